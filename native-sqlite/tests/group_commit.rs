//! Group commit: writes queued while another transaction holds the database share the next
//! transaction, each in its savepoint, and are answered only once it is committed.
//!
//! Each test holds the write lock from a connection of its own (as another process, the CLI,
//! would), queues creates from several threads, each on its own connection sharing one
//! [`GroupCommit`], then lets go: the queued creates form one group.

#![expect(
    clippy::unwrap_used,
    reason = "the helpers of a test fail it loudly on any error"
)]

use std::sync::Arc;
use std::time::Duration;

use rusqlite::Connection;
use tenantry_core::{ApiError, CreateTenantRequest, Created, Policies};
use tenantry_native::{GroupCommit, GroupStats, SqliteStore, Tenantry};

const WRITERS: usize = 6;

struct Fixture {
    _dir: tempfile::TempDir,
    db: std::path::PathBuf,
    group: Arc<GroupCommit>,
    policies: Arc<Policies>,
    key: String,
    tenant: String,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("group.db");
        let group = Arc::<GroupCommit>::default();
        let policies = Arc::new(Policies::embedded().unwrap());
        let first = Tenantry::with_policies(
            SqliteStore::open_grouped(&db, group.clone()).unwrap(),
            policies.clone(),
        );
        let master = first.init().unwrap();
        Self {
            _dir: dir,
            db,
            group,
            policies,
            key: master.api_key,
            tenant: master.tenant_id.to_string(),
        }
    }

    /// A connection of the process's pool.
    fn tenantry(&self) -> Tenantry {
        Tenantry::with_policies(
            SqliteStore::open_grouped(&self.db, self.group.clone()).unwrap(),
            self.policies.clone(),
        )
    }

    fn sql(&self, batch: &str) {
        Connection::open(&self.db)
            .unwrap()
            .execute_batch(batch)
            .unwrap();
    }

    fn count(&self, sql: &str) -> i64 {
        Connection::open(&self.db)
            .unwrap()
            .query_row(sql, [], |r| r.get(0))
            .unwrap()
    }

    /// Creates one tenant per owner email, each from its own thread and connection, while
    /// another connection holds the write lock for `held`; the answers in the order given.
    fn create_while_held(
        &self,
        emails: &[&str],
        held: Duration,
        busy_timeout: Option<Duration>,
    ) -> Vec<Result<Created, ApiError>> {
        let blocker = Connection::open(&self.db).unwrap();
        blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
        std::thread::scope(|scope| {
            let threads: Vec<_> = emails
                .iter()
                .enumerate()
                .map(|(at, email)| {
                    let tenantry = self.tenantry();
                    if let Some(timeout) = busy_timeout {
                        tenantry.store().connection().busy_timeout(timeout).unwrap();
                    }
                    scope.spawn(move || {
                        tenantry.create_tenant(&self.key, &self.tenant, &request(at, email))
                    })
                })
                .collect();
            std::thread::sleep(held);
            blocker.execute_batch("COMMIT").unwrap();
            threads
                .into_iter()
                .map(|t| t.join().unwrap())
                .collect::<Vec<_>>()
        })
    }
}

fn request(at: usize, email: &str) -> CreateTenantRequest {
    CreateTenantRequest {
        name: format!("Group {at}"),
        slug: Some(format!("group-{at}")),
        owner_email: email.into(),
        owner_name: "G".into(),
        ..CreateTenantRequest::default()
    }
}

fn emails(poisoned: usize) -> Vec<&'static str> {
    (0..WRITERS)
        .map(|at| {
            if at == poisoned {
                "poison@group.test"
            } else {
                "fine@group.test"
            }
        })
        .collect()
}

fn since(before: GroupStats, after: GroupStats) -> GroupStats {
    GroupStats {
        transactions: after.transactions - before.transactions,
        writes: after.writes - before.writes,
    }
}

fn is_injected(answer: &Result<Created, ApiError>) -> bool {
    matches!(answer, Err(ApiError::Internal(detail)) if detail.contains("injected"))
}

#[test]
fn writes_queued_behind_another_writer_share_one_transaction() {
    let fixture = Fixture::new();
    let before = fixture.group.stats();
    let answers = fixture.create_while_held(&emails(WRITERS), Duration::from_millis(300), None);
    assert!(answers.iter().all(Result::is_ok), "{answers:?}");
    assert_eq!(
        since(before, fixture.group.stats()),
        GroupStats {
            transactions: 1,
            writes: WRITERS as u64
        },
        "one transaction carried every create"
    );
    assert_eq!(
        fixture.count("SELECT count(*) FROM tenants WHERE slug LIKE 'group-%'"),
        WRITERS as i64
    );
}

#[test]
fn a_write_failing_in_a_group_rolls_back_alone() {
    let fixture = Fixture::new();
    // The tenant and its owner are written before the invite: the savepoint must undo them.
    fixture.sql(
        "CREATE TRIGGER poison BEFORE INSERT ON invites WHEN NEW.email = 'poison@group.test' \
         BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
    );
    let before = fixture.group.stats();
    let answers = fixture.create_while_held(&emails(2), Duration::from_millis(300), None);
    assert!(is_injected(&answers[2]), "{:?}", answers[2]);
    for (at, answer) in answers.iter().enumerate().filter(|(at, _)| *at != 2) {
        assert!(answer.is_ok(), "writer {at}: {answer:?}");
    }
    assert_eq!(
        since(before, fixture.group.stats()),
        GroupStats {
            transactions: 1,
            writes: WRITERS as u64 - 1
        }
    );
    assert_eq!(
        fixture.count("SELECT count(*) FROM tenants WHERE slug = 'group-2'"),
        0
    );
    assert_eq!(
        fixture.count("SELECT count(*) FROM users WHERE email = 'poison@group.test'"),
        0
    );
    assert_eq!(
        fixture.count("SELECT count(*) FROM tenants WHERE slug LIKE 'group-%'"),
        WRITERS as i64 - 1
    );
}

#[test]
fn a_failure_that_ends_the_whole_transaction_costs_the_others_nothing() {
    let fixture = Fixture::new();
    // RAISE(ROLLBACK) ends the transaction with every write of the group run so far.
    fixture.sql(
        "CREATE TRIGGER poison BEFORE INSERT ON invites WHEN NEW.email = 'poison@group.test' \
         BEGIN SELECT RAISE(ROLLBACK, 'injected failure'); END",
    );
    let answers = fixture.create_while_held(&emails(3), Duration::from_millis(300), None);
    assert!(is_injected(&answers[3]), "{:?}", answers[3]);
    for (at, answer) in answers.iter().enumerate().filter(|(at, _)| *at != 3) {
        assert!(answer.is_ok(), "writer {at}: {answer:?}");
    }
    assert_eq!(
        fixture.count("SELECT count(*) FROM tenants WHERE slug LIKE 'group-%'"),
        WRITERS as i64 - 1
    );
    assert_eq!(
        fixture.count("SELECT count(*) FROM invites"),
        WRITERS as i64 - 1
    );
}

#[test]
fn a_failed_commit_answers_every_write_of_the_group_with_its_error_and_keeps_nothing() {
    let fixture = Fixture::new();
    // A deferred foreign key is checked only at COMMIT: one create leaves a dangling row, so
    // the commit of its whole group fails after every write in it succeeded.
    fixture.sql(
        "CREATE TABLE trap (tenant TEXT REFERENCES tenants(id) DEFERRABLE INITIALLY DEFERRED); \
         CREATE TRIGGER poison AFTER INSERT ON users WHEN NEW.email = 'poison@group.test' \
         BEGIN INSERT INTO trap VALUES ('no such tenant'); END",
    );
    let before = fixture.group.stats();
    let answers = fixture.create_while_held(&emails(1), Duration::from_millis(300), None);
    for (at, answer) in answers.iter().enumerate() {
        assert!(
            matches!(answer, Err(ApiError::Internal(detail)) if detail.contains("FOREIGN KEY")),
            "writer {at} was answered before its commit failed: {answer:?}"
        );
    }
    assert_eq!(since(before, fixture.group.stats()), GroupStats::default());
    assert_eq!(fixture.count("SELECT count(*) FROM tenants"), 1);
    assert_eq!(fixture.count("SELECT count(*) FROM trap"), 0);
    // The connections are usable again: the next create commits.
    let tenantry = fixture.tenantry();
    tenantry
        .create_tenant(
            &fixture.key,
            &fixture.tenant,
            &request(9, "fine@group.test"),
        )
        .unwrap();
}

#[test]
fn a_busy_database_fails_only_the_write_that_waited_it_out() {
    let fixture = Fixture::new();
    // Every connection gives up after 300 ms; the lock is held for 450 ms. The first writer to
    // wait for it gives up; the others, queued behind it, wait on and commit together.
    let answers = fixture.create_while_held(
        &emails(WRITERS),
        Duration::from_millis(450),
        Some(Duration::from_millis(300)),
    );
    let busy = answers
        .iter()
        .filter(|a| matches!(a, Err(ApiError::Internal(detail)) if detail.contains("locked")))
        .count();
    let created = answers.iter().filter(|a| a.is_ok()).count();
    assert_eq!((busy, created), (1, WRITERS - 1), "{answers:?}");
}

#[test]
fn a_lone_write_is_its_own_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("one.db")).unwrap();
    let written = store.write(|conn| {
        conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1)")
            .map_err(|e| tenantry_core::store::StoreError::Backend(e.to_string()))?;
        Ok(7)
    });
    assert_eq!(written, Ok(7));
    assert_eq!(
        store.group_stats(),
        GroupStats {
            transactions: 1,
            writes: 1
        }
    );
    assert!(
        store.connection().is_autocommit(),
        "no transaction left open"
    );
    // A write answered is on disk: the connection syncs the WAL at each commit.
    let synchronous: i64 = store
        .connection()
        .query_row("PRAGMA synchronous", [], |r| r.get(0))
        .unwrap();
    assert_eq!(synchronous, 2, "synchronous = FULL");
    // The savepoint's statement journal stays in memory instead of a temporary file per write.
    let temp_store: i64 = store
        .connection()
        .query_row("PRAGMA temp_store", [], |r| r.get(0))
        .unwrap();
    assert_eq!(temp_store, 2, "temp_store = MEMORY");
}
