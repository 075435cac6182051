//! The `tenantry` program as an operator uses it.

#![expect(
    clippy::unwrap_used,
    reason = "the helpers of a test fail it loudly on any error"
)]

use std::path::Path;
use std::process::{Command, Output};

use tenantry_core::CreateTenantRequest;
use tenantry_native::Tenantry;

fn tenantry(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tenantry"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn json(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn snapshot(db: &Path) -> Vec<(String, i64)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    ["tenants", "api_keys", "users", "invites", "audit_log"]
        .iter()
        .map(|t| {
            let n = conn
                .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                .unwrap();
            ((*t).to_owned(), n)
        })
        .collect()
}

#[test]
fn init_prints_a_working_key_once_and_refuses_a_second_time_changing_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let first = json(&tenantry(dir.path(), &["init", "--db", "t.db"]));
    let key = first["api_key"].as_str().unwrap();
    let tenant = first["tenant_id"].as_str().unwrap();
    assert!(key.starts_with("tnty_"));
    let before = snapshot(&dir.path().join("t.db"));
    let again = tenantry(dir.path(), &["init", "--db", "t.db"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already has a platform"));
    assert!(again.stdout.is_empty(), "no second key is printed");
    assert_eq!(snapshot(&dir.path().join("t.db")), before);
    // The printed key creates tenants.
    let tenantry = Tenantry::open(&dir.path().join("t.db")).unwrap();
    let request = CreateTenantRequest {
        name: "First".into(),
        owner_email: "f@first.test".into(),
        owner_name: "F".into(),
        ..CreateTenantRequest::default()
    };
    assert!(tenantry.create_tenant(key, tenant, &request).is_ok());
}

/// `tenantry keys create` on `t.db` for `tenant` with these scopes; its JSON.
fn create_key(dir: &Path, tenant: &str, scopes: &[&str]) -> serde_json::Value {
    let mut args = vec!["keys", "create", "--db", "t.db", "--tenant", tenant];
    for scope in scopes {
        args.extend(["--scope", scope]);
    }
    json(&tenantry(dir, &args))
}

#[test]
fn keys_are_issued_with_their_scopes_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let master = json(&tenantry(dir.path(), &["init", "--db", "t.db"]));
    let tenant = master["tenant_id"].as_str().unwrap();
    let issued = create_key(dir.path(), tenant, &["keys:read", "tenants:read"]);
    let key_id = issued["key_id"].as_str().unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("t.db")).unwrap();
    let scopes: String = conn
        .query_row("SELECT scopes FROM api_keys WHERE id = ?1", [key_id], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(scopes, r#"["keys:read","tenants:read"]"#);
    json(&tenantry(
        dir.path(),
        &["keys", "revoke", "--db", "t.db", "--key-id", key_id],
    ));
    let revoked: bool = conn
        .query_row(
            "SELECT revoked_at IS NOT NULL FROM api_keys WHERE id = ?1",
            [key_id],
            |r| r.get(0),
        )
        .unwrap();
    assert!(revoked);
    let unknown = tenantry(
        dir.path(),
        &[
            "keys",
            "create",
            "--db",
            "t.db",
            "--tenant",
            &uuid::Uuid::nil().to_string(),
        ],
    );
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no tenant"));
}

#[test]
fn the_first_key_holds_every_scope_of_the_closed_list() {
    let dir = tempfile::tempdir().unwrap();
    let master = json(&tenantry(dir.path(), &["init", "--db", "t.db"]));
    let key = master["api_key"].as_str().unwrap();
    let key_id = uuid::Uuid::try_parse(&key[5..37]).unwrap().to_string();
    let conn = rusqlite::Connection::open(dir.path().join("t.db")).unwrap();
    let scopes: String = conn
        .query_row(
            "SELECT scopes FROM api_keys WHERE id = ?1",
            [&key_id],
            |r| r.get(0),
        )
        .unwrap();
    let scopes: Vec<String> = serde_json::from_str(&scopes).unwrap();
    assert_eq!(
        scopes,
        [
            "tenants:create",
            "tenants:read",
            "tenants:update",
            "tenants:delete",
            "keys:create",
            "keys:read",
            "keys:revoke",
            "events:read",
        ]
    );
}

#[test]
fn an_unknown_scope_is_refused_and_no_key_is_issued() {
    let dir = tempfile::tempdir().unwrap();
    let master = json(&tenantry(dir.path(), &["init", "--db", "t.db"]));
    let tenant = master["tenant_id"].as_str().unwrap();
    let before = snapshot(&dir.path().join("t.db"));
    for target in [&["--db", "t.db"][..], &["--emit-sql", "key.sql"]] {
        let mut args = vec!["keys", "create", "--tenant", tenant];
        args.extend(target);
        args.extend(["--scope", "tenants:read", "--scope", "tenants:creat"]);
        let refused = tenantry(dir.path(), &args);
        assert!(!refused.status.success(), "{target:?}");
        let said = String::from_utf8_lossy(&refused.stderr);
        assert!(said.contains("unknown scope `tenants:creat`"), "{said}");
        assert!(
            said.contains("tenants:create"),
            "names the known scopes: {said}"
        );
        assert!(refused.stdout.is_empty(), "no key is printed");
    }
    assert_eq!(snapshot(&dir.path().join("t.db")), before);
    assert!(!dir.path().join("key.sql").exists());
}

#[test]
fn revoking_an_unknown_key_says_so_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    json(&tenantry(dir.path(), &["init", "--db", "t.db"]));
    let before = snapshot(&dir.path().join("t.db"));
    let unknown = uuid::Uuid::from_u128(42).to_string();
    let refused = tenantry(
        dir.path(),
        &["keys", "revoke", "--db", "t.db", "--key-id", &unknown],
    );
    assert_eq!(refused.status.code(), Some(1));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains(&format!("no API key `{unknown}`")), "{said}");
    assert!(refused.stdout.is_empty(), "nothing claims it was revoked");
    assert_eq!(snapshot(&dir.path().join("t.db")), before);
    // Without a database there is nothing to ask: the SQL is written, and the help says so.
    json(&tenantry(
        dir.path(),
        &[
            "keys",
            "revoke",
            "--emit-sql",
            "r.sql",
            "--key-id",
            &unknown,
        ],
    ));
    assert!(dir.path().join("r.sql").exists());
    let help = tenantry(dir.path(), &["keys", "revoke", "--help"]);
    assert!(
        String::from_utf8_lossy(&help.stdout).contains("cannot check"),
        "{}",
        String::from_utf8_lossy(&help.stdout)
    );
}

#[test]
fn emitted_sql_bootstraps_a_database_the_way_d1_would_run_it() {
    let dir = tempfile::tempdir().unwrap();
    let boot = json(&tenantry(dir.path(), &["init", "--emit-sql", "boot.sql"]));
    let tenant = boot["tenant_id"].as_str().unwrap();
    let key = json(&tenantry(
        dir.path(),
        &[
            "keys",
            "create",
            "--emit-sql",
            "key.sql",
            "--tenant",
            tenant,
            "--scope",
            "tenants:create",
        ],
    ));
    assert!(
        !dir.path().join("t.db").exists(),
        "--emit-sql touches no database"
    );
    // What `wrangler d1 execute --file` does: run the file on the migrated database.
    let tenantry_db = Tenantry::open(&dir.path().join("t.db")).unwrap();
    for file in ["boot.sql", "key.sql"] {
        let sql = std::fs::read_to_string(dir.path().join(file)).unwrap();
        tenantry_db
            .store()
            .connection()
            .execute_batch(&sql)
            .unwrap();
    }
    let request = CreateTenantRequest {
        name: "Edge Co".into(),
        owner_email: "e@edge.test".into(),
        owner_name: "E".into(),
        ..CreateTenantRequest::default()
    };
    for api_key in [&boot["api_key"], &key["api_key"]] {
        let created = tenantry_db.create_tenant(api_key.as_str().unwrap(), tenant, &request);
        assert!(created.is_ok(), "{created:?}");
    }
    // A second bootstrap file fails on a bootstrapped database (the one-master index).
    json(&tenantry(dir.path(), &["init", "--emit-sql", "boot2.sql"]));
    let sql = std::fs::read_to_string(dir.path().join("boot2.sql")).unwrap();
    assert!(
        tenantry_db
            .store()
            .connection()
            .execute_batch(&sql)
            .is_err()
    );
}

#[test]
fn every_command_has_help() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["--help"][..],
        &["init", "--help"],
        &["keys", "create", "--help"],
        &["keys", "revoke", "--help"],
        &["serve", "--help"],
    ] {
        let output = tenantry(dir.path(), args);
        assert!(output.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("Usage"),
            "{args:?}"
        );
    }
    let neither = tenantry(dir.path(), &["init"]);
    assert_eq!(
        neither.status.code(),
        Some(2),
        "init needs --db or --emit-sql"
    );
}

/// Starts `tenantry serve ARGS` in `dir`, waits until it listens, stops it, and returns what it
/// printed on stdout and stderr.
fn serve_once(dir: &Path, args: &[&str]) -> (String, String) {
    use std::io::{BufRead, BufReader, Read};
    let mut child = Command::new(env!("CARGO_BIN_EXE_tenantry"))
        .arg("serve")
        .args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut said = String::new();
    while !said.contains("listening on") {
        assert!(
            stderr.read_line(&mut said).unwrap() > 0,
            "serve exited early: {said}"
        );
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    (out, said)
}

#[test]
fn serve_without_a_database_bootstraps_tenantry_db_once() {
    let dir = tempfile::tempdir().unwrap();
    let (first, _) = serve_once(dir.path(), &["--listen", "127.0.0.1:0"]);
    let key: serde_json::Value = serde_json::from_str(first.lines().next().unwrap()).unwrap();
    assert!(key["api_key"].as_str().unwrap().starts_with("tnty_"));
    assert!(dir.path().join("tenantry.db").exists());
    let (second, _) = serve_once(dir.path(), &["--listen", "127.0.0.1:0"]);
    assert!(second.is_empty(), "the key is shown only once: {second}");
    // A database named with --db is not bootstrapped; serve says how to do it.
    let (named, said) = serve_once(dir.path(), &["--listen", "127.0.0.1:0", "--db", "other.db"]);
    assert!(named.is_empty());
    assert!(said.contains("tenantry init --db other.db"), "{said}");
}

/// The state of one event as stored: attempts, next attempt, last error.
fn delivery(db: &Path, id: &str) -> (i64, Option<String>, Option<String>) {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(
        "SELECT attempts, next_attempt_at, last_error FROM events WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .unwrap()
}

#[test]
fn events_retry_schedules_failed_events_again_keeping_their_attempts() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let master = json(&tenantry(dir.path(), &["init", "--db", "t.db"]));
    let tenantry_db = Tenantry::open(&db).unwrap();
    let request = CreateTenantRequest {
        name: "Retried".into(),
        owner_email: "o@retried.test".into(),
        owner_name: "O".into(),
        ..CreateTenantRequest::default()
    };
    tenantry_db
        .create_tenant(
            master["api_key"].as_str().unwrap(),
            master["tenant_id"].as_str().unwrap(),
            &request,
        )
        .unwrap();
    let ids: Vec<String> = {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let mut statement = conn.prepare("SELECT id FROM events ORDER BY seq").unwrap();
        let rows = statement.query_map([], |r| r.get(0)).unwrap();
        rows.map(Result::unwrap).collect()
    };
    let [failed, pending] = &ids[..] else {
        panic!("a create writes two events: {ids:?}")
    };
    // The first one spent its schedule: failed.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute(
            "UPDATE events SET attempts = 9, next_attempt_at = NULL, last_error = 'down' WHERE id = ?1",
            [failed],
        )
        .unwrap();
    let retried = json(&tenantry(dir.path(), &["events", "retry", "--db", "t.db"]));
    assert_eq!(retried["scheduled"], 1);
    let (attempts, next, error) = delivery(&db, failed);
    assert_eq!((attempts, error.as_deref()), (9, Some("down")));
    assert!(next.is_some(), "due again");
    let again = json(&tenantry(dir.path(), &["events", "retry", "--db", "t.db"]));
    assert_eq!(again["scheduled"], 0, "nothing is failed any more");

    let public = format!("evt_{}", pending.replace('-', ""));
    let one = json(&tenantry(
        dir.path(),
        &["events", "retry", "--db", "t.db", "--id", &public],
    ));
    assert_eq!(one["scheduled"], 1);
    let unknown = tenantry(
        dir.path(),
        &[
            "events",
            "retry",
            "--db",
            "t.db",
            "--id",
            "evt_0000000000004000800000000000abcd",
        ],
    );
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no event"));
    let malformed = tenantry(
        dir.path(),
        &["events", "retry", "--db", "t.db", "--id", pending],
    );
    assert_eq!(
        malformed.status.code(),
        Some(2),
        "a UUID is not an event id"
    );
}

#[test]
fn keys_create_and_revoke_write_their_events_as_the_api_does() {
    let dir = tempfile::tempdir().unwrap();
    let master = json(&tenantry(dir.path(), &["init", "--db", "t.db"]));
    let (api_key, tenant) = (
        master["api_key"].as_str().unwrap(),
        master["tenant_id"].as_str().unwrap(),
    );
    let issued = create_key(dir.path(), tenant, &["keys:read"]);
    let key_id = issued["key_id"].as_str().unwrap();
    let revoke = ["keys", "revoke", "--db", "t.db", "--key-id", key_id];
    json(&tenantry(dir.path(), &revoke));
    // Revoked again: nothing changes, so no second event (as over the API).
    json(&tenantry(dir.path(), &revoke));
    let tenantry_db = Tenantry::open(&dir.path().join("t.db")).unwrap();
    let events = tenantry_db
        .list_events(api_key, tenant, &tenantry_core::EventQuery::default())
        .unwrap()
        .data;
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["api_key.created", "api_key.revoked"]);
    let shown = tenantry_db
        .get_api_key(api_key, tenant, uuid::Uuid::try_parse(key_id).unwrap())
        .unwrap();
    let shown = serde_json::to_value(&shown).unwrap();
    assert_eq!(
        events[1].data, shown,
        "the key as the API shows it, revoked"
    );
    let mut before = shown.clone();
    before["revoked_at"] = serde_json::Value::Null;
    assert_eq!(events[0].data, before, "the key as it was issued");
    assert!(events.iter().all(|e| e.tenant_id.to_string() == tenant));
    // For D1, the SQL written out holds the event too.
    tenantry(
        dir.path(),
        &["keys", "create", "--emit-sql", "k.sql", "--tenant", tenant],
    );
    let sql = std::fs::read_to_string(dir.path().join("k.sql")).unwrap();
    assert!(sql.contains("'api_key.created'"), "{sql}");
}

/// `tenantry serve` with these extra arguments on a fresh database: whether it started
/// listening, and what it wrote on stderr until then (or until it exited).
fn serve_starts(dir: &Path, args: &[&str]) -> (bool, String) {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_tenantry"))
        .args(["serve", "--db", "s.db", "--listen", "127.0.0.1:0"])
        .args(args)
        .env(
            "TENANTRY_WEBHOOK_SECRET",
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        )
        .current_dir(dir)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut seen = String::new();
    let mut listening = false;
    for line in BufReader::new(child.stderr.take().unwrap())
        .lines()
        .map_while(Result::ok)
    {
        seen.push_str(&line);
        seen.push('\n');
        if line.contains("listening on") {
            listening = true;
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    (listening, seen)
}

#[test]
fn serve_takes_an_https_webhook_url_and_refuses_other_schemes_at_startup() {
    let dir = tempfile::tempdir().unwrap();
    json(&tenantry(dir.path(), &["init", "--db", "s.db"]));
    let (started, log) = serve_starts(
        dir.path(),
        &["--webhook-url", "https://hooks.example.com/tenantry"],
    );
    assert!(started, "{log}");
    for refused in ["ftp://hooks.example.com/x", "hooks.example.com/x"] {
        let (started, log) = serve_starts(dir.path(), &["--webhook-url", refused]);
        assert!(!started, "{refused}: {log}");
        assert!(
            log.contains("a webhook endpoint is an http:// or https:// URL"),
            "{log}"
        );
    }
    let (started, log) = serve_starts(
        dir.path(),
        &[
            "--smtp-url",
            "smtp://127.0.0.1:25",
            "--invite-from",
            "noreply@example.com",
            "--invite-link",
            "https://app.example.com/invite",
        ],
    );
    assert!(!started && log.contains("{token}"), "{log}");
}
