//! `tenantry`: create the platform tenant, issue keys, and serve the API on SQLite.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use tenantry_core::{
    InviteTtl, Policies, Retention, RetrySchedule, Scope, WebhookSecret, Webhooks,
};
use tenantry_native::admin::Bootstrapped;
use tenantry_native::admin::{self, AdminChange};
use tenantry_native::server::{self, Assets, Mailer, Pool, REPOSITORY_ASSETS};
use tenantry_native::{NativeError, SqliteStore, Tenantry, system};
use tenantry_policy_verify::{PolicySource, VerifyError};
use uuid::Uuid;

/// Tenantry: create tenants of a multi-tenant platform (`POST /v1/tenants`).
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the database with the platform (master) tenant and its first API key, and print
    /// `{"tenant_id": ..., "api_key": ...}` (the key is shown only this once).
    Init(Target),
    /// Manage API keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Serve the HTTP API. With no flags: `./tenantry.db` on 127.0.0.1:8787, bootstrapped on
    /// first start (the platform tenant's first key is printed once).
    Serve {
        /// The SQLite database file; one given here is not bootstrapped: run `tenantry init` on it.
        #[arg(long)]
        db: Option<PathBuf>,
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1:8787")]
        listen: SocketAddr,
        /// The operator console's folder, built by `scripts/build-preview.sh`; by default this
        /// repository's `edge-worker/public` once built. Without one, `/` says how to build it.
        #[arg(long, value_name = "DIR")]
        assets: Option<PathBuf>,
        /// Deliver every event to this endpoint (`https://…` or `http://…`) by Standard Webhooks, signed with
        /// the secret of `--webhook-secret-file` or `TENANTRY_WEBHOOK_SECRET` (never a flag
        /// value, which `ps` would show). Without it, events wait in the outbox.
        #[arg(long, value_name = "URL")]
        webhook_url: Option<String>,
        /// A file holding the endpoint's `whsec_…` secret.
        #[arg(long, value_name = "FILE")]
        webhook_secret_file: Option<PathBuf>,
        /// The delays between attempts in seconds, comma-separated; the contract's schedule
        /// (0,5,300,1800,7200,18000,36000,36000) unless given (tests shorten it).
        #[arg(long, value_name = "SECONDS,...", value_delimiter = ',')]
        webhook_retry_delays: Option<Vec<i64>>,
        /// How long a delivery holds its events, in seconds; for the crash tests only.
        #[arg(long, hide = true, default_value_t = tenantry_core::LEASE_SECONDS)]
        webhook_lease: i64,
        /// How long one delivery may take before it counts as failed, in seconds; for the
        /// tests only (the contract's 10 s otherwise).
        #[arg(long, hide = true, default_value_t = tenantry_core::ATTEMPT_TIMEOUT_SECONDS)]
        webhook_timeout: u64,
        #[command(flatten)]
        mail: MailArgs,
        /// How long a new invite stays valid: a whole number and a unit, `s`, `m`, `h` or `d`
        /// (`7d`, `12h`, `2s`).
        #[arg(long, value_name = "DURATION", default_value = "7d", value_parser = parse_ttl)]
        invite_ttl: InviteTtl,
        /// Delete delivered events this many days after their delivery (checked at start and
        /// every hour); undelivered and failed events are never deleted.
        #[arg(long, value_name = "DAYS", default_value_t = tenantry_core::DEFAULT_RETENTION_DAYS)]
        event_retention: u32,
    },
    /// Work with the Cedar policies.
    #[command(subcommand)]
    Policies(PoliciesCommand),
    /// Work with the event outbox.
    #[command(subcommand)]
    Events(EventsCommand),
}

#[derive(Subcommand)]
enum EventsCommand {
    /// Schedule an event's webhook delivery again, now (its attempts kept; a running
    /// `tenantry serve` on the file picks it up), or with no `--id` every failed event's.
    /// Prints `{"scheduled": N}`.
    Retry {
        /// The SQLite database file.
        #[arg(long)]
        db: PathBuf,
        /// The event's id, `evt_…`; an id the database does not have is refused (exit 1).
        #[arg(long, value_parser = parse_event_id)]
        id: Option<Uuid>,
    },
}

fn parse_event_id(text: &str) -> Result<Uuid, String> {
    tenantry_core::parse_event_id(text)
        .ok_or_else(|| format!("`{text}` is not an event id (`evt_` and 32 lowercase hex digits)"))
}

#[derive(Subcommand)]
enum PoliciesCommand {
    /// Check the policies against the schema, then prove Tenantry's invariants for every
    /// possible request with Cedar's symbolic compiler and the cvc5 solver (`CVC5`, else `cvc5`
    /// on PATH). Prints each invariant's verdict, and for a failed one the request that breaks
    /// it; exits non-zero unless all are proven.
    Verify {
        /// A folder laid out as `policies/` (`schema.cedarschema` and `*.cedar`); without it,
        /// the policies built into this program.
        #[arg(long, value_name = "DIR")]
        policies: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Issue another API key for a tenant and print `{"key_id": ..., "api_key": ...}`.
    Create {
        #[command(flatten)]
        target: Target,
        /// The tenant that will own the key.
        #[arg(long)]
        tenant: Uuid,
        /// A scope the key holds, e.g. `tenants:create`; repeat for more (none given, none held).
        /// One of: tenants:create, tenants:read, tenants:update, tenants:delete, keys:create,
        /// keys:read, keys:revoke, events:read; any other is refused.
        #[arg(long = "scope")]
        scopes: Vec<Scope>,
    },
    /// Revoke an API key: it stops authenticating at once. With `--db`, an id the database does
    /// not have is refused; `--emit-sql` cannot check (there is no database to ask), so it writes
    /// the SQL for any id, and on an unknown id that SQL changes nothing.
    Revoke {
        #[command(flatten)]
        target: Target,
        /// The key's id, as `keys create` printed it.
        #[arg(long)]
        key_id: Uuid,
    },
}

/// Mailing invites over SMTP: the three go together.
#[derive(Args)]
struct MailArgs {
    /// Mail every invite through this SMTP relay: `smtp://host:port`, with credentials and TLS
    /// in the URL (`smtp://user:pass@host:587?tls=required`, `smtps://user:pass@host:465`).
    #[arg(long, value_name = "URL", requires_all = ["invite_from", "invite_link"])]
    smtp_url: Option<String>,
    /// The invite mail's sender, `noreply@example.com` or `Example <noreply@example.com>`.
    #[arg(long, value_name = "ADDRESS", requires = "smtp_url")]
    invite_from: Option<String>,
    /// The link in the invite mail, with `{token}` where the invite's token goes, e.g.
    /// `https://app.example.com/invite?token={token}`.
    #[arg(long, value_name = "URL", requires = "smtp_url")]
    invite_link: Option<String>,
    /// How long a mailing holds its invites, in seconds; for the crash tests only.
    #[arg(long, hide = true, default_value_t = tenantry_core::LEASE_SECONDS)]
    mail_lease: i64,
}

fn parse_ttl(text: &str) -> Result<InviteTtl, String> {
    InviteTtl::parse(text).ok_or_else(|| {
        format!("`{text}` is not a duration such as `7d`, `12h`, `30m` or `2s` (more than zero)")
    })
}

/// Where a change goes: a SQLite file, or a SQL file for `wrangler d1 execute DB --file FILE`.
#[derive(Args)]
#[group(required = true, multiple = false)]
struct Target {
    /// Apply to this SQLite database file (created if missing).
    #[arg(long)]
    db: Option<PathBuf>,
    /// Write the SQL to this file instead, for D1.
    #[arg(long, value_name = "FILE")]
    emit_sql: Option<PathBuf>,
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tenantry: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), NativeError> {
    match cli.command {
        Command::Init(target) => match (target.db, target.emit_sql) {
            (Some(db), _) => print_bootstrapped(&Tenantry::open(&db)?.init()?),
            (None, file) => emit(file.as_deref(), &admin::init()?.1),
        },
        Command::Keys(KeysCommand::Create {
            target,
            tenant,
            scopes,
        }) => apply(target, &admin::create_key(tenant, &scopes)?),
        Command::Keys(KeysCommand::Revoke { target, key_id }) => {
            apply(target, &admin::revoke_key(key_id)?)
        }
        Command::Serve {
            db,
            listen,
            assets,
            webhook_url,
            webhook_secret_file,
            webhook_retry_delays,
            webhook_lease,
            webhook_timeout,
            mail,
            invite_ttl,
            event_retention,
        } => {
            let mailer = match (mail.smtp_url, mail.invite_from, mail.invite_link) {
                (Some(url), Some(from), Some(link)) => {
                    let mut mailer = Mailer::new(&url, &from, &link)?;
                    mailer.lease_seconds = mail.mail_lease.max(1);
                    Some(mailer)
                }
                _ => None,
            };
            let webhooks = webhook_url
                .map(|url| webhooks(url, webhook_secret_file, webhook_retry_delays))
                .transpose()?
                .map(|webhooks| Webhooks {
                    lease_seconds: webhook_lease.max(1),
                    attempt_timeout_seconds: webhook_timeout.max(1),
                    mailer: mailer.is_some(),
                    ..webhooks
                });
            let outbox = Outbox {
                webhooks,
                mailer,
                retention: Retention::days(event_retention),
            };
            serve(db, listen, assets, outbox, invite_ttl)
        }
        Command::Policies(PoliciesCommand::Verify { policies }) => verify(policies.as_deref()),
        Command::Events(EventsCommand::Retry { db, id }) => {
            let tenantry = Tenantry::open(&db)?;
            tenantry.apply_admin_change(&tenantry_core::admin::retry_events(id, system::now()?))?;
            // The change is one UPDATE: the rows it changed are the events scheduled.
            let scheduled = tenantry.store().connection().changes();
            print_json(&serde_json::json!({ "scheduled": scheduled }))
        }
    }
}

fn verify(dir: Option<&Path>) -> Result<(), NativeError> {
    let failed = |e: VerifyError| NativeError::System(e.to_string());
    let source = match dir {
        Some(dir) => PolicySource::read_dir(dir).map_err(failed)?,
        None => PolicySource::shipped(),
    };
    let report = tenantry_policy_verify::verify(&source).map_err(failed)?;
    print!("{report}");
    if report.all_proven() {
        Ok(())
    } else {
        Err(NativeError::System(
            "some invariants of the policies are not proven; see above".into(),
        ))
    }
}

fn apply(target: Target, change: &AdminChange) -> Result<(), NativeError> {
    match (target.db, target.emit_sql) {
        (Some(db), _) => {
            Tenantry::open(&db)?.apply_admin_change(&change.change)?;
            print_json(&change.output)
        }
        (None, file) => emit(file.as_deref(), change),
    }
}

/// Writes the change's SQL to `file` and prints its output.
fn emit(file: Option<&Path>, change: &AdminChange) -> Result<(), NativeError> {
    let file =
        file.ok_or_else(|| NativeError::System("give --db PATH or --emit-sql FILE".into()))?;
    std::fs::write(file, change.change.to_sql_file())
        .map_err(|e| NativeError::System(format!("cannot write `{}`: {e}", file.display())))?;
    print_json(&change.output)
}

fn print_json(value: &serde_json::Value) -> Result<(), NativeError> {
    println!("{value}");
    Ok(())
}

/// The database `serve` uses when given none; it is bootstrapped on first start.
const DEFAULT_DB: &str = "tenantry.db";

/// The environment variable holding the webhook secret when no file is given.
const SECRET_VARIABLE: &str = "TENANTRY_WEBHOOK_SECRET";

/// The deliverer's settings, the secret read from its file or the environment.
fn webhooks(
    url: String,
    secret_file: Option<PathBuf>,
    delays: Option<Vec<i64>>,
) -> Result<Webhooks, NativeError> {
    let text = match secret_file {
        Some(file) => std::fs::read_to_string(&file)
            .map_err(|e| NativeError::System(format!("cannot read `{}`: {e}", file.display())))?,
        None => std::env::var(SECRET_VARIABLE).map_err(|_| {
            NativeError::System(format!(
                "--webhook-url needs a secret: --webhook-secret-file FILE or {SECRET_VARIABLE}"
            ))
        })?,
    };
    let secret = WebhookSecret::parse(&text).map_err(|e| NativeError::System(e.to_string()))?;
    let schedule = match delays {
        None => RetrySchedule::default(),
        Some(delays) => RetrySchedule::new(delays).ok_or_else(|| {
            NativeError::System("--webhook-retry-delays takes whole seconds, at least one".into())
        })?,
    };
    tenantry_core::check_endpoint(&url)
        .map_err(|e| NativeError::System(format!("--webhook-url `{url}`: {e}")))?;
    Ok(Webhooks {
        schedule,
        ..Webhooks::new(url, secret)
    })
}

/// The outbox's consumers `serve` runs: either, both or none.
struct Outbox {
    webhooks: Option<Webhooks>,
    mailer: Option<Mailer>,
    /// How long delivered events are kept (pruned by the deliverer).
    retention: Retention,
}

fn serve(
    db: Option<PathBuf>,
    listen: SocketAddr,
    assets: Option<PathBuf>,
    outbox: Outbox,
    invite_ttl: InviteTtl,
) -> Result<(), NativeError> {
    let assets = console_assets(assets)?;
    let policies = Arc::new(Policies::embedded()?);
    let bootstrap = db.is_none();
    let db = db.unwrap_or_else(|| PathBuf::from(DEFAULT_DB));
    let first = Tenantry::with_policies(SqliteStore::open(&db)?, policies.clone());
    if !first.is_initialised()? {
        if bootstrap {
            eprintln!(
                "tenantry: created `{}` with a platform tenant; its first API key (shown once):",
                db.display()
            );
            print_bootstrapped(&first.init()?)?;
        } else {
            eprintln!(
                "tenantry: `{}` has no platform tenant yet; run `tenantry init --db {}`",
                db.display(),
                db.display()
            );
        }
    }
    drop(first);
    let pool = Arc::new(
        Pool::open(db, policies)?
            .with_assets(assets)
            .with_invite_ttl(invite_ttl),
    );
    if let Some(webhooks) = outbox.webhooks {
        server::spawn_deliverer(pool.clone(), webhooks, outbox.retention);
    }
    if let Some(mailer) = outbox.mailer {
        server::spawn_mailer(pool.clone(), mailer);
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(16)
        .build()
        .map_err(|e| NativeError::System(format!("cannot start the runtime: {e}")))?
        .block_on(server::serve(pool, listen))
}

/// The console's files: the folder given (which must be built), else the repository's once built.
fn console_assets(dir: Option<PathBuf>) -> Result<Assets, NativeError> {
    let assets = match &dir {
        Some(dir) => Assets::from_dir(dir).ok_or_else(|| {
            NativeError::System(format!(
                "`{}` is not a built console (index.html and pkg/); run scripts/build-preview.sh",
                dir.display()
            ))
        })?,
        None => Assets::from_dir(Path::new(REPOSITORY_ASSETS)).unwrap_or_default(),
    };
    match assets.dir() {
        Some(dir) => eprintln!("tenantry: serving the console from {}", dir.display()),
        None => eprintln!("tenantry: the console is not built; scripts/build-preview.sh builds it"),
    }
    Ok(assets)
}

fn print_bootstrapped(bootstrapped: &Bootstrapped) -> Result<(), NativeError> {
    print_json(&serde_json::json!({
        "tenant_id": bootstrapped.tenant_id,
        "api_key": bootstrapped.api_key,
    }))
}
