//! The test doubles of `tests/receivers/`, Python scripts on libraries the project did not
//! write (installed into `.tools/py` by `scripts/install-python-tools.sh`): each listens on
//! 127.0.0.1, says `listening on PORT`, and appends what it received to a log as JSON lines.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// A receiver process, stopped when dropped.
pub struct Receiver {
    child: Child,
    /// The port it listens on.
    pub port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Receiver {
    /// Starts `tests/receivers/SCRIPT` with the venv's Python on `port` (a free one when
    /// `None`), with these environment variables.
    pub fn start(script: &str, port: Option<u16>, env: &[(&str, String)]) -> Self {
        let python = repo().join(".tools/py/bin/python");
        assert!(
            python.exists(),
            "{} is missing: run scripts/install-tools.sh",
            python.display()
        );
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let log = dir.path().join("received.jsonl");
        let mut child = Command::new(python)
            .arg(repo().join("tests/receivers").join(script))
            .arg(&log)
            .args(port.map(|p| p.to_string()))
            .envs(env.iter().map(|(name, value)| (name, value)))
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {script}: {e}"));
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let port = BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find_map(|line| {
                line.strip_prefix("listening on ")
                    .and_then(|p| p.parse().ok())
            })
            .unwrap_or_else(|| panic!("{script} did not say where it listens"));
        Self {
            child,
            port,
            log,
            _dir: dir,
        }
    }

    /// What it received so far, one value a line.
    pub fn received(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or(Value::Null))
            .collect()
    }
}

/// The repository's root.
fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or_else(|| panic!("no workspace"))
}
