//! What webhook delivery costs `tenantry serve`, and how soon an event arrives.
//!
//! 1. Throughput: runs of `TENANTRY_LOAD_CLIENTS` (default 4) × `TENANTRY_LOAD_REQUESTS` (default
//!    250) creates over keep-alive HTTP on 127.0.0.1, each on a fresh database, alternating
//!    without delivery and with `--webhook-url` to a receiver in this process that answers 204
//!    (`TENANTRY_DELIVERY_ROUNDS` pairs, default 5); the medians of each kind.
//! 2. Delay: one client creating `TENANTRY_DELIVERY_PACED` tenants (default 200), 20 ms apart,
//!    against a server delivering to the healthy receiver; from the arrival of each 201 at the
//!    client to the arrival of its `tenant.created` at the receiver, p50 and p99.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tenantry_native::Tenantry;

mod support;

/// A test secret (`whsec_` and base64 of 24 bytes).
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// Each delivery's arrival, by the id of the tenant its event is about and its type.
type Arrivals = Arc<Mutex<HashMap<(String, String), Instant>>>;

/// A receiver on 127.0.0.1 that answers every POST 204 at once and notes when it arrived.
fn receiver() -> Option<(String, Arrivals)> {
    let listener = TcpListener::bind("127.0.0.1:0").ok()?;
    let url = format!("http://{}/hooks", listener.local_addr().ok()?);
    let arrivals = Arrivals::default();
    let noted = arrivals.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            let noted = noted.clone();
            std::thread::spawn(move || serve_connection(stream, &noted));
        }
    });
    Some((url, arrivals))
}

/// Reads keep-alive requests off one connection until it closes.
fn serve_connection(stream: TcpStream, arrivals: &Arrivals) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let mut length = 0;
        let mut line = String::new();
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) if line == "\r\n" => break,
                Ok(_) => {
                    if let Some((name, value)) = line.split_once(':')
                        && name.eq_ignore_ascii_case("content-length")
                    {
                        length = value.trim().parse().unwrap_or(0);
                    }
                }
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let arrived = Instant::now();
        if let Ok(payload) = serde_json::from_slice::<serde_json::Value>(&body) {
            let data = &payload["data"];
            let tenant = data["tenant"]["id"].as_str().or(data["id"].as_str());
            if let (Some(tenant), Some(kind)) = (tenant, payload["type"].as_str())
                && let Ok(mut arrivals) = arrivals.lock()
            {
                arrivals
                    .entry((tenant.to_owned(), kind.to_owned()))
                    .or_insert(arrived);
            }
        }
        if writer
            .write_all(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
            .is_err()
        {
            return;
        }
    }
}

/// One server on a fresh database, delivering to `webhook` if given, under a load.
struct Run {
    creates_per_second: f64,
    /// Commit (the 201's arrival) to the `tenant.created`'s arrival, for each create delivered
    /// within 30 s; empty without delivery.
    delays: Vec<Duration>,
}

fn run(
    webhook: Option<(&str, &Arrivals)>,
    clients: usize,
    per_client: usize,
    pause: Duration,
) -> Option<Run> {
    let dir = tempfile::tempdir().ok()?;
    let db = dir.path().join("delivery.db");
    let boot = Tenantry::open(&db).ok()?.init().ok()?;
    let args: Vec<&str> = webhook
        .map(|(url, _)| vec!["--webhook-url", url])
        .unwrap_or_default();
    let how = support::Serve {
        args: &args,
        env: &[("TENANTRY_WEBHOOK_SECRET", SECRET)],
        ..support::Serve::default()
    };
    let (server, url) = support::serve_with(&how, &db)?;
    let tenant = boot.tenant_id.to_string();
    let target = support::LoadTarget {
        url: &url,
        key: &boot.api_key,
        tenant: &tenant,
    };
    let run = format!("{}", std::process::id());
    let (sent, elapsed) = support::create_load(&target, clients, per_client, pause, &run);
    let created: Vec<(String, Instant)> = sent
        .iter()
        .filter(|s| s.status == 201)
        .filter_map(|s| {
            let body: serde_json::Value = serde_json::from_str(&s.body).ok()?;
            Some((body["id"].as_str()?.to_owned(), s.answered))
        })
        .collect();
    let creates_per_second = created.len() as f64 / elapsed.as_secs_f64();
    let mut delays = Vec::new();
    if let Some((_, arrivals)) = webhook {
        let deadline = Instant::now() + Duration::from_secs(30);
        let key = |id: &str| (id.to_owned(), "tenant.created".to_owned());
        loop {
            let all = arrivals
                .lock()
                .map(|a| created.iter().all(|(id, _)| a.contains_key(&key(id))))
                .unwrap_or(true);
            if all || Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        if let Ok(arrivals) = arrivals.lock() {
            delays = created
                .iter()
                .filter_map(|(id, answered)| {
                    arrivals
                        .get(&key(id))
                        .map(|arrived| arrived.saturating_duration_since(*answered))
                })
                .collect();
        }
    }
    drop(server);
    Some(Run {
        creates_per_second,
        delays,
    })
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or_default()
}

fn main() {
    let clients = support::env_number("TENANTRY_LOAD_CLIENTS", 4);
    let per_client = support::env_number("TENANTRY_LOAD_REQUESTS", 250);
    let rounds = support::env_number("TENANTRY_DELIVERY_ROUNDS", 5);
    let paced = support::env_number("TENANTRY_DELIVERY_PACED", 200);
    let Some((hook, arrivals)) = receiver() else {
        return eprintln!("cannot start the receiver");
    };
    println!("load: {clients} clients x {per_client} creates a run, keep-alive, 127.0.0.1");
    let (mut without, mut with) = (Vec::new(), Vec::new());
    for round in 1..=rounds {
        let Some(off) = run(None, clients, per_client, Duration::ZERO) else {
            return eprintln!("a run without delivery failed");
        };
        let Some(on) = run(
            Some((&hook, &arrivals)),
            clients,
            per_client,
            Duration::ZERO,
        ) else {
            return eprintln!("a run with delivery failed");
        };
        let mut delays = on.delays;
        delays.sort_unstable();
        println!(
            "round {round}: without delivery {:.0} creates/s, with delivery {:.0} creates/s \
             (under this load, commit to delivery: p50 {:.1?}, p99 {:.1?}, {} of {} delivered)",
            off.creates_per_second,
            on.creates_per_second,
            support::percentile(&delays, 0.5),
            support::percentile(&delays, 0.99),
            delays.len(),
            clients * per_client
        );
        without.push(off.creates_per_second);
        with.push(on.creates_per_second);
    }
    let (without, with) = (median(&mut without), median(&mut with));
    println!(
        "median: without delivery {without:.0} creates/s, with delivery {with:.0} creates/s \
         ({:+.1}%)",
        (with / without - 1.0) * 100.0
    );
    let Some(paced_run) = run(
        Some((&hook, &arrivals)),
        1,
        paced,
        Duration::from_millis(20),
    ) else {
        return eprintln!("the paced run failed");
    };
    let mut delays = paced_run.delays;
    delays.sort_unstable();
    println!(
        "commit to delivery, one create every 20 ms, healthy receiver: p50 {:.2?}, p99 {:.2?}, \
         max {:.2?} ({} of {paced} delivered)",
        support::percentile(&delays, 0.5),
        support::percentile(&delays, 0.99),
        support::percentile(&delays, 1.0),
        delays.len()
    );
}
