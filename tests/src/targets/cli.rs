//! Administration through the `tenantry` program itself, as an operator does it: on a SQLite
//! file with `--db`, or for D1 with `--emit-sql` and `wrangler d1 execute`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;
use tenantry_core::sql::{SqlStatement, SqlValue};
use uuid::Uuid;

use crate::{COUNT_ROWS_SQL, COUNT_WRITES_SQL, RowCounts, WriteCounts};

/// The `tenantry` binary, built once per test process (cargo's own lock makes this safe).
pub fn tenantry_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut build = Command::new(cargo);
        // What `cargo test` sets for this crate, inherited, would differ from a plain build's
        // environment, and build scripts that watch it (ring's, under lettre's rustls) would
        // then rebuild the program at every switch between the two.
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if [
                "CARGO_PKG_",
                "CARGO_MANIFEST_",
                "CARGO_CRATE_",
                "CARGO_BIN_",
                "CARGO_PRIMARY_",
            ]
            .iter()
            .any(|prefix| name.starts_with(prefix))
            {
                build.env_remove(&*name);
            }
        }
        let status = build
            .args([
                "build",
                "--quiet",
                "-p",
                "tenantry-native",
                "--bin",
                "tenantry",
            ])
            .status()
            .unwrap_or_else(|e| panic!("cannot run cargo to build `tenantry`: {e}"));
        assert!(status.success(), "building `tenantry` failed");
        // The test binary lives in target/<profile>/deps; the program in target/<profile>.
        let exe = std::env::current_exe().unwrap_or_else(|e| panic!("{e}"));
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .unwrap_or_else(|| panic!("no target dir above {exe:?}"));
        let binary = profile_dir.join("tenantry");
        assert!(binary.exists(), "no `tenantry` at {binary:?}");
        binary
    })
}

/// Runs `tenantry ARGS` in `dir` and returns the JSON it printed; panics with its stderr on failure.
pub fn run_tenantry(dir: &Path, args: &[&str]) -> Value {
    let output = Command::new(tenantry_binary())
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("tenantry {args:?}: {e}"));
    assert!(
        output.status.success(),
        "tenantry {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("tenantry {args:?} printed no JSON: {e}"))
}

/// The (key id, key) of `keys create` output.
pub fn key_of(output: &Value) -> (Uuid, String) {
    let id = output["key_id"]
        .as_str()
        .and_then(|id| Uuid::try_parse(id).ok());
    let key = output["api_key"].as_str().map(str::to_owned);
    id.zip(key).unwrap_or_else(|| panic!("no key in {output}"))
}

/// The (tenant id, key) of `init` output.
pub fn bootstrap_of(output: &Value) -> (Uuid, String) {
    let id = output["tenant_id"]
        .as_str()
        .and_then(|id| Uuid::try_parse(id).ok());
    let key = output["api_key"].as_str().map(str::to_owned);
    id.zip(key)
        .unwrap_or_else(|| panic!("no tenant in {output}"))
}

/// Counts a slug's rows on a SQLite connection.
pub fn count_rows_on(conn: &rusqlite::Connection, slug: &str) -> RowCounts {
    let [tenants, users, invites] = counts_on(conn, COUNT_ROWS_SQL, &[SqlValue::from(slug)]);
    RowCounts {
        tenants,
        users,
        invites,
    }
}

/// Counts all events and audit records on a SQLite connection.
pub fn count_writes_on(conn: &rusqlite::Connection) -> WriteCounts {
    let [events, audit] = counts_on(conn, COUNT_WRITES_SQL, &[]);
    WriteCounts { events, audit }
}

/// The `N` counts of a query answering one row of `N` integers.
fn counts_on<const N: usize>(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[SqlValue],
) -> [i64; N] {
    let params = params.iter().map(|value| match value {
        SqlValue::Text(text) => rusqlite::types::Value::Text(text.clone()),
        SqlValue::Integer(n) => rusqlite::types::Value::Integer(*n),
        SqlValue::Null => rusqlite::types::Value::Null,
    });
    let row: Vec<i64> = conn
        .query_row(sql, rusqlite::params_from_iter(params), |row| {
            (0..N).map(|i| row.get(i)).collect()
        })
        .unwrap_or_else(|e| panic!("counting rows: {e}"));
    row.try_into()
        .unwrap_or_else(|row: Vec<i64>| panic!("{} counts instead of {N}", row.len()))
}

/// Where the program's changes go.
#[derive(Debug, Clone)]
pub enum Database {
    /// A SQLite file, with `--db`.
    Sqlite(PathBuf),
    /// The local D1 of the worker in this folder, with `--emit-sql` and `wrangler d1 execute`.
    LocalD1(PathBuf),
}

impl Database {
    /// `tenantry init`.
    pub fn bootstrap(&self) -> (Uuid, String) {
        bootstrap_of(&self.admin(&["init"]))
    }

    /// `tenantry keys create`.
    pub fn issue_key(&self, tenant: Uuid, scopes: &[&str]) -> (Uuid, String) {
        let tenant = tenant.to_string();
        let mut args = vec!["keys", "create", "--tenant", &tenant];
        for scope in scopes {
            args.extend(["--scope", scope]);
        }
        key_of(&self.admin(&args))
    }

    /// `tenantry keys revoke`.
    pub fn revoke_key(&self, key_id: Uuid) {
        let key_id = key_id.to_string();
        self.admin(&["keys", "revoke", "--key-id", &key_id]);
    }

    /// The rows of a slug.
    pub fn count_rows(&self, slug: &str) -> RowCounts {
        let [tenants, users, invites] = self.counts(COUNT_ROWS_SQL, &[SqlValue::from(slug)]);
        RowCounts {
            tenants,
            users,
            invites,
        }
    }

    /// All events and audit records.
    pub fn count_writes(&self) -> WriteCounts {
        let [events, audit] = self.counts(COUNT_WRITES_SQL, &[]);
        WriteCounts { events, audit }
    }

    /// The `N` counts of a query answering one row of `N` integers.
    fn counts<const N: usize>(&self, sql: &'static str, params: &[SqlValue]) -> [i64; N] {
        match self {
            Self::Sqlite(path) => {
                let store =
                    tenantry_native::SqliteStore::open(path).unwrap_or_else(|e| panic!("{e}"));
                counts_on(store.connection(), sql, params)
            }
            Self::LocalD1(dir) => {
                let statement = SqlStatement {
                    sql,
                    params: params.to_vec(),
                };
                let sql = statement.to_literal_sql();
                let output = wrangler(
                    dir,
                    &[
                        "d1",
                        "execute",
                        "DB",
                        "--local",
                        "--json",
                        "--command",
                        &sql,
                    ],
                );
                let json: Value = serde_json::from_str(&output)
                    .unwrap_or_else(|e| panic!("wrangler printed no JSON ({e}): {output}"));
                let row = &json[0]["results"][0];
                std::array::from_fn(|i| {
                    row.as_object()
                        .and_then(|o| o.values().nth(i))
                        .and_then(Value::as_i64)
                        .unwrap_or_else(|| panic!("no count in {json}"))
                })
            }
        }
    }

    fn admin(&self, args: &[&str]) -> Value {
        match self {
            Self::Sqlite(path) => {
                let db = path.to_string_lossy();
                let mut all = args.to_vec();
                all.extend(["--db", &db]);
                run_tenantry(path.parent().unwrap_or(Path::new(".")), &all)
            }
            Self::LocalD1(dir) => {
                let file = tempfile::NamedTempFile::new().unwrap_or_else(|e| panic!("{e}"));
                let path = file.path().to_string_lossy().into_owned();
                let mut all = args.to_vec();
                all.extend(["--emit-sql", &path]);
                let output = run_tenantry(dir, &all);
                wrangler(dir, &["d1", "execute", "DB", "--local", "--file", &path]);
                output
            }
        }
    }
}

/// Runs `npx wrangler ARGS` in the worker's folder (PATH must hold the Node that wrangler needs).
fn wrangler(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("npx")
        .arg("wrangler")
        .args(args)
        .current_dir(dir)
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
        .env("DO_NOT_TRACK", "1")
        .output()
        .unwrap_or_else(|e| panic!("npx wrangler {args:?}: {e}"));
    assert!(
        output.status.success(),
        "npx wrangler {args:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}
