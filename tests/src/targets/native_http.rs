//! `tenantry serve` over real HTTP on 127.0.0.1, administered with the `tenantry` program.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use uuid::Uuid;

use crate::http_client::HttpClient;
use crate::targets::cli::{Database, tenantry_binary};
use crate::{Request, Response, RowCounts, Target};

/// A running `tenantry serve` on a fresh database file and a free port.
#[derive(Debug)]
pub struct NativeHttpTarget {
    child: Child,
    client: HttpClient,
    database: Database,
    _dir: tempfile::TempDir,
}

impl NativeHttpTarget {
    /// Starts the server (it bootstraps nothing: `init` is run by the fixture, as an operator would).
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let db = dir.path().join("tenantry.db");
        let database = Database::Sqlite(db.clone());
        // Create the file and schema first so `serve` finds no missing master to bootstrap.
        tenantry_native::SqliteStore::open(&db).unwrap_or_else(|e| panic!("{e}"));
        let mut child = Command::new(tenantry_binary())
            .args(["serve", "--listen", "127.0.0.1:0", "--db"])
            .arg(&db)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start tenantry serve: {e}"));
        let stderr = child.stderr.take().unwrap_or_else(|| panic!("no stderr"));
        let mut lines = BufReader::new(stderr).lines();
        let base = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|line| line.split("listening on ").nth(1).map(str::to_owned))
            .unwrap_or_else(|| panic!("tenantry serve did not say where it listens"));
        // Keep draining the request log so the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Self {
            child,
            client: HttpClient::new(&base),
            database,
            _dir: dir,
        }
    }
}

impl Drop for NativeHttpTarget {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Target for NativeHttpTarget {
    fn name(&self) -> &str {
        "native-http"
    }

    fn send(&self, request: &Request) -> Response {
        self.client.send(request)
    }

    fn bootstrap(&self) -> (Uuid, String) {
        self.database.bootstrap()
    }

    fn issue_key(&self, tenant: Uuid, scopes: &[&str]) -> (Uuid, String) {
        self.database.issue_key(tenant, scopes)
    }

    fn revoke_key(&self, key_id: Uuid) {
        self.database.revoke_key(key_id)
    }

    fn count_rows(&self, slug: &str) -> RowCounts {
        self.database.count_rows(slug)
    }
}
