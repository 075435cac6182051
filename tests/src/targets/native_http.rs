//! `tenantry serve` over real HTTP on 127.0.0.1, administered with the `tenantry` program.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::targets::cli::{Database, tenantry_binary};
use crate::targets::remote::Remote;

/// The server process and its folder (if it made one), stopped (SIGKILL) and removed when
/// dropped.
struct Server {
    child: Child,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `tenantry serve` on a fresh database file and a free port. It bootstraps nothing:
/// the fixture runs `tenantry init` on the file, as an operator would, while it serves.
pub fn start() -> Remote {
    start_with(&[], &[])
}

/// As [`start`], with more arguments and environment variables (a webhook endpoint, say).
pub fn start_with(args: &[&str], env: &[(&str, &str)]) -> Remote {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("tenantry.db");
    spawn(db, args, env, Some(dir))
}

/// As [`start_with`], on a database file that outlives the server (to kill and restart it).
pub fn start_on(db: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Remote {
    spawn(db.to_owned(), args, env, None)
}

fn spawn(
    db: std::path::PathBuf,
    args: &[&str],
    env: &[(&str, &str)],
    dir: Option<tempfile::TempDir>,
) -> Remote {
    let mut child = Command::new(tenantry_binary())
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(&db)
        .args(args)
        .envs(env.iter().copied())
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
    let server = Server { child, _dir: dir };
    Remote::new(
        "native-http",
        &base,
        Database::Sqlite(db),
        Some(Box::new(server)),
    )
}
