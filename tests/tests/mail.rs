//! Invite mail from `tenantry serve --smtp-url` to a real SMTP server the project did not write
//! (PyPI's `aiosmtpd`, run by `tests/receivers/smtp.py`): the mail that arrives is read (subject,
//! text and HTML parts), its link's token accepted; French for a French locale; expired after
//! `--invite-ttl`; a resend mails a new token and the old one is then unknown; an invite
//! committed while no mailer ran is mailed once one does; and one whose mail a kill cut off is
//! mailed again after the restart.

#![expect(
    clippy::panic,
    reason = "a test reports a failed step by panicking, as assert! does"
)]

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tenantry_conformance::fixture::Fixture;
use tenantry_conformance::hooks::accept;
use tenantry_conformance::receivers::Receiver;
use tenantry_conformance::targets::native_http;
use tenantry_conformance::targets::remote::Remote;
use tenantry_conformance::{Request, Target};

/// The link template given to the server.
const LINK: &str = "https://app.example.com/invite?token={token}";
/// A test webhook secret (`whsec_` and base64 of 24 bytes).
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// The flags that mail through the SMTP server on `port`, with more after them.
fn mail_flags(port: u16, more: &[&str]) -> Vec<String> {
    let mut flags: Vec<String> = [
        "--smtp-url",
        &format!("smtp://127.0.0.1:{port}"),
        "--invite-from",
        "Tenantry <noreply@tenantry.test>",
        "--invite-link",
        LINK,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    flags.extend(more.iter().map(|s| (*s).to_owned()));
    flags
}

fn start(db: &Path, flags: &[String], env: &[(&str, &str)]) -> Remote {
    let args: Vec<&str> = flags.iter().map(String::as_str).collect();
    native_http::start_on(db, &args, env)
}

fn send(
    target: &dyn Target,
    fixture: &Fixture,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let mut headers = vec![
        ("X-API-Key".into(), fixture.master_key.clone()),
        ("X-Tenant-ID".into(), fixture.master_tenant.to_string()),
    ];
    if body.is_some() {
        headers.push(("Content-Type".into(), "application/json".into()));
    }
    let response = target.send(&Request {
        method: method.into(),
        path: path.into(),
        headers,
        body: body.map(|b| b.to_string().into_bytes()).unwrap_or_default(),
    });
    (response.status, response.body)
}

/// Creates a tenant; answers its id.
fn create(target: &dyn Target, fixture: &Fixture, body: &Value) -> String {
    let (status, created) = send(target, fixture, "POST", "/v1/tenants", Some(body));
    assert_eq!(status, 201, "{created}");
    created["id"].as_str().unwrap_or_default().to_owned()
}

/// The `count`-th mail to `address` (1 for the first), waiting up to 15 s for it.
fn mail_to(smtp: &Receiver, address: &str, count: usize) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let mails: Vec<Value> = smtp
            .received()
            .into_iter()
            .filter(|m| m["rcpt_tos"] == json!([address]))
            .collect();
        if mails.len() >= count {
            return mails[count - 1].clone();
        }
        assert!(
            Instant::now() < deadline,
            "no mail {count} to {address}: {mails:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The token of the link in a mail's text, checked to be the same link in its HTML.
fn token_of(mail: &Value) -> String {
    let text = mail["text"].as_str().unwrap_or_default();
    let prefix = LINK.replace("{token}", "");
    let at = text
        .find(&prefix)
        .unwrap_or_else(|| panic!("no link in {text}"));
    let token: String = text[at + prefix.len()..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    assert_eq!(token.len(), 64, "{text}");
    let html = mail["html"].as_str().unwrap_or_default();
    assert!(
        html.contains(&format!("href=\"{prefix}{token}\"")),
        "the HTML links another token: {html}"
    );
    token
}

#[test]
fn invites_are_mailed_in_the_tenants_language_and_accepted_with_the_mailed_token() {
    let smtp = Receiver::start("smtp.py", None, &[]);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let target = start(&dir.path().join("t.db"), &mail_flags(smtp.port, &[]), &[]);
    let fixture = Fixture::set_up(&target);
    create(
        &target,
        &fixture,
        &json!({"name": "R&D <Labs>", "owner_email": "ann@acme.test", "owner_name": "Ann \"Lee\""}),
    );
    let french = create(
        &target,
        &fixture,
        &json!({"name": "Société Exemple", "owner_email": "zoe@exemple.test",
                "owner_name": "Zoé", "locale": "fr-FR"}),
    );

    let english = mail_to(&smtp, "ann@acme.test", 1);
    assert_eq!(
        english["subject"],
        "You are invited to R&D <Labs> on Platform"
    );
    assert_eq!(english["content_type"], "multipart/alternative");
    assert_eq!(english["from"], "Tenantry <noreply@tenantry.test>");
    assert_eq!(english["to"], "\"Ann \\\"Lee\\\"\" <ann@acme.test>");
    let text = english["text"].as_str().unwrap_or_default();
    assert!(text.starts_with("Hello Ann \"Lee\","), "{text}");
    assert!(
        text.contains("Platform has created R&D <Labs> for you"),
        "{text}"
    );
    let html = english["html"].as_str().unwrap_or_default();
    assert!(
        html.contains("R&amp;D &lt;Labs&gt;") && !html.contains("<Labs>"),
        "{html}"
    );
    let token = token_of(&english);
    assert_eq!(accept(&target, &token), 200);
    assert_eq!(accept(&target, &token), 409);

    let mail = mail_to(&smtp, "zoe@exemple.test", 1);
    assert_eq!(
        mail["subject"],
        "Invitation à rejoindre Société Exemple sur Platform"
    );
    let text = mail["text"].as_str().unwrap_or_default();
    assert!(text.starts_with("Bonjour Zoé,"), "{text}");
    assert!(
        mail["html"]
            .as_str()
            .unwrap_or_default()
            .contains("lang=\"fr\"")
    );
    // A resend mails a new token; the first one is then unknown.
    let old = token_of(&mail);
    let (status, body) = send(
        &target,
        &fixture,
        "POST",
        &format!("/v1/tenants/{french}/invite"),
        None,
    );
    assert_eq!(status, 202, "{body}");
    let new = token_of(&mail_to(&smtp, "zoe@exemple.test", 2));
    assert_ne!(new, old);
    assert_eq!(accept(&target, &old), 404);
    assert_eq!(accept(&target, &new), 200);
    // Mailed, with no webhook endpoint to wait for, the tokens are gone from the outbox.
    assert_eq!(stored_tokens(&dir.path().join("t.db")), 0);
}

/// How many events still hold an invite token.
fn stored_tokens(db: &Path) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap_or_else(|e| panic!("{e}"));
    conn.query_row(
        "SELECT count(*) FROM events WHERE invite_token IS NOT NULL",
        [],
        |row| row.get(0),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn an_invite_accepted_after_its_ttl_answers_410() {
    let smtp = Receiver::start("smtp.py", None, &[]);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let flags = mail_flags(smtp.port, &["--invite-ttl", "2s"]);
    let target = start(&dir.path().join("t.db"), &flags, &[]);
    let fixture = Fixture::set_up(&target);
    create(
        &target,
        &fixture,
        &json!({"name": "Brief", "owner_email": "o@brief.test", "owner_name": "O"}),
    );
    let token = token_of(&mail_to(&smtp, "o@brief.test", 1));
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(accept(&target, &token), 410);
}

/// An invite committed by a server that mailed nothing (killed with SIGKILL after) is mailed by
/// the next one that has a relay; with a webhook endpoint too, the token stays until both the
/// mail and the delivery are done.
#[test]
fn an_invite_committed_before_the_mailer_ran_is_mailed_once_it_does() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("t.db");
    let target = start(&db, &[], &[]);
    let fixture = Fixture::set_up(&target);
    create(
        &target,
        &fixture,
        &json!({"name": "Early", "owner_email": "o@early.test", "owner_name": "O"}),
    );
    drop(target);
    assert_eq!(stored_tokens(&db), 2, "the fixture's invite and this one");

    let smtp = Receiver::start("smtp.py", None, &[]);
    let hooks = Receiver::start(
        "webhooks.py",
        None,
        &[("TENANTRY_WEBHOOK_SECRET", SECRET.to_owned())],
    );
    let url = format!("http://127.0.0.1:{}/hooks", hooks.port);
    let flags = mail_flags(smtp.port, &["--webhook-url", &url]);
    let target = start(&db, &flags, &[("TENANTRY_WEBHOOK_SECRET", SECRET)]);
    let token = token_of(&mail_to(&smtp, "o@early.test", 1));
    let deadline = Instant::now() + Duration::from_secs(15);
    while stored_tokens(&db) > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(stored_tokens(&db), 0);
    // The webhook carried the same token as the mail: both had it before it was dropped.
    let delivered = hooks
        .received()
        .into_iter()
        .find(|d| d["type"] == "invite.created" && d["data"]["email"] == "o@early.test")
        .unwrap_or_default();
    assert_eq!(delivered["data"]["token"], json!(token));
    assert_eq!(accept(&target, &token), 200);
    assert_eq!(smtp.received().len(), 2, "each invite mailed once");
}

/// A server killed while the relay holds its mail (the message sent, no answer yet) cannot know
/// whether the mail was taken, so the invite keeps its token and its claim runs out: the server
/// started again mails it once more, with the same token, which is then accepted. At least once,
/// never lost.
#[test]
fn an_invite_whose_mail_a_kill_cut_off_is_mailed_again_after_the_restart() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("t.db");
    let slow = Receiver::start(
        "smtp.py",
        None,
        &[("TENANTRY_SMTP_HOLD_SECONDS", "60".to_owned())],
    );
    let lease = ["--mail-lease", "2"];
    let target = start(&db, &mail_flags(slow.port, &lease), &[]);
    let fixture = Fixture::set_up(&target);
    create(
        &target,
        &fixture,
        &json!({"name": "Cut", "owner_email": "o@cut.test", "owner_name": "O"}),
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    let held = loop {
        if let Some(mail) = slow.received().into_iter().next() {
            break mail;
        }
        assert!(Instant::now() < deadline, "the relay got no mail");
        std::thread::sleep(Duration::from_millis(50));
    };
    drop(target); // SIGKILL, while the relay has not answered
    assert_eq!(
        stored_tokens(&db),
        2,
        "no token goes before its mail is known sent"
    );

    let smtp = Receiver::start("smtp.py", None, &[]);
    let target = start(&db, &mail_flags(smtp.port, &lease), &[]);
    let address = held["rcpt_tos"][0].as_str().unwrap_or_default();
    let again = mail_to(&smtp, address, 1);
    assert_eq!(
        token_of(&again),
        token_of(&held),
        "the same invite, mailed again"
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    while stored_tokens(&db) > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        stored_tokens(&db),
        0,
        "both invites mailed after the restart"
    );
    assert_eq!(accept(&target, &token_of(&held)), 200);
}
