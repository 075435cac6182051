//! Group commit: the writes of one process share SQLite transactions, and so their fsyncs.
//!
//! Every write is a job over a connection. A job that arrives while a transaction is in flight
//! waits in a queue; when that transaction ends, one waiting thread leads: it opens the next
//! `IMMEDIATE` transaction on its own connection, takes the queue (at most [`MAX_GROUP`] jobs),
//! runs each job in its own savepoint, commits once, and only then answers every job. A job that
//! fails is rolled back to its savepoint and answered with its own error; the others commit. No
//! thread waits on purpose to gather a group: a group is what queued during the commit before
//! it, so one writer alone pays no more than before, and a job waits at most for the group in
//! flight and then its own.

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, TryRecvError};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use rusqlite::Connection;
use tenantry_core::store::StoreError;

use crate::sqlite_store::store_error;

/// The most jobs one transaction carries, which bounds how long the jobs of one group keep the
/// next group waiting.
pub const MAX_GROUP: usize = 64;

/// The queue of writes that the connections of one process (one database file) share.
#[derive(Default)]
pub struct GroupCommit {
    queue: Mutex<Queue>,
    /// Signalled when a group has been answered, so the waiting threads look again.
    turn: Condvar,
    transactions: AtomicU64,
    writes: AtomicU64,
}

/// How many transactions have committed and how many writes they carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GroupStats {
    /// Transactions committed.
    pub transactions: u64,
    /// Writes committed in them (each in its savepoint).
    pub writes: u64,
}

#[derive(Default)]
struct Queue {
    waiting: VecDeque<(u64, Box<dyn Member>)>,
    /// Whether a thread is running a group now.
    leading: bool,
    next_id: u64,
}

impl fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupCommit")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl GroupCommit {
    /// Runs `work` on a connection to the database inside a transaction that may carry other
    /// writes, and answers once that transaction is committed (or with the error that stopped
    /// it). `conn` is the caller's own connection, used if this thread leads the group.
    ///
    /// `work` may run more than once: if a job's failure makes SQLite roll back the whole
    /// transaction, the jobs that had succeeded in it run again in the next one.
    pub fn write<T, F>(&self, conn: &Connection, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnMut(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = mpsc::channel();
        let mut queue = self.lock();
        let id = queue.next_id;
        queue.next_id += 1;
        let job = Job {
            work,
            outcome: None,
            reply,
        };
        queue.waiting.push_back((id, Box::new(job)));
        loop {
            match answer.try_recv() {
                Ok(answer) => return answer,
                Err(TryRecvError::Disconnected) => {
                    return Err(StoreError::Backend(
                        "the transaction carrying the write stopped without an answer".into(),
                    ));
                }
                Err(TryRecvError::Empty) => {}
            }
            if queue.leading {
                queue = self
                    .turn
                    .wait(queue)
                    .unwrap_or_else(PoisonError::into_inner);
                continue;
            }
            queue.leading = true;
            drop(queue);
            let leading = Leading { group: self, conn };
            self.lead(conn, id);
            drop(leading);
            queue = self.lock();
        }
    }

    /// What has been committed so far.
    pub fn stats(&self) -> GroupStats {
        GroupStats {
            transactions: self.transactions.load(Ordering::Relaxed),
            writes: self.writes.load(Ordering::Relaxed),
        }
    }

    /// A poisoned queue is still a consistent queue (every change to it is one call).
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Opens a transaction, takes the waiting jobs, runs and commits them, answers each.
    fn lead(&self, conn: &Connection, own: u64) {
        if let Err(error) = begin(conn) {
            // Only the leader's own job has waited out the busy timeout: it alone fails, and the
            // jobs queued behind it keep their turn (the next leader tries again for them).
            let mine = {
                let mut queue = self.lock();
                let at = queue.waiting.iter().position(|(id, _)| *id == own);
                at.and_then(|at| queue.waiting.remove(at))
            };
            if let Some((_, job)) = mine {
                job.answer(&Err(error));
            }
            return;
        }
        let mut group: Vec<Box<dyn Member>> = {
            let mut queue = self.lock();
            let taken = queue.waiting.len().min(MAX_GROUP);
            queue.waiting.drain(..taken).map(|(_, job)| job).collect()
        };
        let committed = run_and_commit(conn, &mut group);
        if committed.is_ok() {
            self.transactions.fetch_add(1, Ordering::Relaxed);
            let carried = group.iter().filter(|job| !job.failed()).count();
            self.writes.fetch_add(carried as u64, Ordering::Relaxed);
        }
        for job in group {
            job.answer(&committed);
        }
    }
}

/// The turn of the thread running a group; ending it (also by a panic in a job) closes any
/// transaction left open and wakes the waiting threads. The jobs of a group that panicked are
/// dropped unanswered, which their callers see.
struct Leading<'a> {
    group: &'a GroupCommit,
    conn: &'a Connection,
}

impl Drop for Leading<'_> {
    fn drop(&mut self) {
        if !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        self.group.lock().leading = false;
        self.group.turn.notify_all();
    }
}

/// Runs the jobs of a group in the transaction `begin` opened and commits it. If a job's failure
/// ended the transaction (SQLite rolls back the whole of it on some errors), the jobs that had
/// succeeded run again in a new one, so one job's failure never costs another its write.
fn run_and_commit(conn: &Connection, group: &mut [Box<dyn Member>]) -> Result<(), StoreError> {
    loop {
        let outcome = match run_each(conn, group) {
            Ok(true) => statement(conn, "COMMIT"),
            Ok(false) => {
                begin(conn)?;
                continue;
            }
            Err(error) => Err(error),
        };
        // A commit refused (a deferred constraint, an I/O error) can leave the transaction
        // open: end it before anyone is answered.
        if outcome.is_err() && !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        return outcome;
    }
}

/// Runs each job not yet failed in its savepoint; `false` if the transaction was lost.
fn run_each(conn: &Connection, group: &mut [Box<dyn Member>]) -> Result<bool, StoreError> {
    for job in group.iter_mut().filter(|job| !job.failed()) {
        statement(conn, "SAVEPOINT member")?;
        if job.run(conn) {
            statement(conn, "RELEASE member")?;
        } else if conn.is_autocommit() {
            return Ok(false);
        } else {
            statement(conn, "ROLLBACK TO member")?;
            statement(conn, "RELEASE member")?;
        }
    }
    Ok(true)
}

fn begin(conn: &Connection) -> Result<(), StoreError> {
    statement(conn, "BEGIN IMMEDIATE")
}

/// Runs a transaction-control statement, prepared once per connection.
fn statement(conn: &Connection, sql: &str) -> Result<(), StoreError> {
    conn.prepare_cached(sql)
        .and_then(|mut s| s.execute([]))
        .map(drop)
        .map_err(store_error)
}

/// A queued write, whatever it returns.
trait Member: Send {
    /// Runs the write (again, after a lost transaction) and keeps its outcome; whether it
    /// succeeded.
    fn run(&mut self, conn: &Connection) -> bool;
    /// Whether it failed on its own (it is then not run again).
    fn failed(&self) -> bool;
    /// Answers its caller: its own error if it failed, else the commit's error or its value.
    fn answer(self: Box<Self>, commit: &Result<(), StoreError>);
}

struct Job<T, F> {
    work: F,
    outcome: Option<Result<T, StoreError>>,
    reply: mpsc::Sender<Result<T, StoreError>>,
}

impl<T, F> Member for Job<T, F>
where
    T: Send,
    F: FnMut(&Connection) -> Result<T, StoreError> + Send,
{
    fn run(&mut self, conn: &Connection) -> bool {
        let outcome = (self.work)(conn);
        let succeeded = outcome.is_ok();
        self.outcome = Some(outcome);
        succeeded
    }

    fn failed(&self) -> bool {
        matches!(self.outcome, Some(Err(_)))
    }

    fn answer(self: Box<Self>, commit: &Result<(), StoreError>) {
        let answer = match (self.outcome, commit) {
            (Some(Err(own)), _) => Err(own),
            (_, Err(error)) => Err(error.clone()),
            (Some(Ok(value)), Ok(())) => Ok(value),
            (None, Ok(())) => Err(StoreError::Backend(
                "the write was not run in its transaction".into(),
            )),
        };
        // The caller waits for this answer; if it is gone there is no one left to tell.
        let _ = self.reply.send(answer);
    }
}
