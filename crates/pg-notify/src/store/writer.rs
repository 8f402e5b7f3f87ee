//! The writer thread: group commit. Deliveries that arrive while a batch commits form the next
//! batch; each batch is one transaction (one fsync), each delivery inside it a savepoint, and
//! every delivery's answer is sent only after its batch's `COMMIT` returned.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use super::bulk;
use super::ops::{self, FailOutcome};
use super::schema::Tables;
use crate::event::{Event, ProcessOutcome, Rejection};
use crate::handler::Handler;
use crate::sql::{Dialect, SqlConn, StoreError};

/// Work for the writer thread.
pub(crate) enum Job {
    /// A write, batched with others into one transaction.
    Write(WriteJob),
    /// Run a read outside any batch.
    Read(ReadFn),
}

/// A read, run on the writer's connection.
pub(crate) type ReadFn = Box<dyn FnOnce(&mut dyn SqlConn) + Send>;

/// A write.
pub(crate) enum WriteJob {
    /// Store an event and run its handler.
    Process {
        event: Arc<Event>,
        handler: Arc<dyn Handler>,
        count_delivery: bool,
        reply: oneshot::Sender<Result<ProcessOutcome, StoreError>>,
    },
    /// Store a verification failure under the event's key.
    Fail {
        event: Arc<Event>,
        error: String,
        reply: oneshot::Sender<Result<FailOutcome, StoreError>>,
    },
    /// Store a rejected delivery.
    Reject {
        rejection: Rejection,
        body: Vec<u8>,
        reply: oneshot::Sender<Result<i64, StoreError>>,
    },
}

impl WriteJob {
    fn key(&self) -> &str {
        match self {
            WriteJob::Process { event, .. } | WriteJob::Fail { event, .. } => &event.key,
            WriteJob::Reject { .. } => "",
        }
    }
}

/// The answer a job gets once its batch is settled.
enum Settled {
    Process(
        oneshot::Sender<Result<ProcessOutcome, StoreError>>,
        Result<ProcessOutcome, StoreError>,
    ),
    Fail(
        oneshot::Sender<Result<FailOutcome, StoreError>>,
        Result<FailOutcome, StoreError>,
    ),
    Reject(
        oneshot::Sender<Result<i64, StoreError>>,
        Result<i64, StoreError>,
    ),
}

impl Settled {
    fn send(self, commit: &Result<(), StoreError>) {
        // A receiver that gave up (request timed out) is fine to miss.
        match self {
            Settled::Process(tx, r) => drop(tx.send(commit.clone().and(r))),
            Settled::Fail(tx, r) => drop(tx.send(commit.clone().and(r))),
            Settled::Reject(tx, r) => drop(tx.send(commit.clone().and(r))),
        }
    }
}

/// Counters for [`super::StoreStats`].
#[derive(Debug, Default)]
pub(crate) struct Stats {
    writes: AtomicU64,
    commits: AtomicU64,
}

impl Stats {
    pub(crate) fn snapshot(&self) -> super::StoreStats {
        super::StoreStats {
            writes: self.writes.load(Ordering::Relaxed),
            commits: self.commits.load(Ordering::Relaxed),
        }
    }
}

/// Runs until every sender is gone.
pub(crate) fn run(
    mut conn: Box<dyn SqlConn + Send>,
    tables: Tables,
    jobs: &Mutex<Receiver<Job>>,
    max_batch: usize,
    stats: &Stats,
) {
    loop {
        let mut closed = false;
        let batch = {
            // Several writers may share the queue (PostgreSQL): each takes a batch at a time.
            let jobs = jobs
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let Ok(first) = jobs.recv() else { return };
            let mut batch = vec![first];
            while batch.len() < max_batch {
                match jobs.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        closed = true;
                        break;
                    }
                }
            }
            batch
        };
        let mut writes = Vec::with_capacity(batch.len());
        let mut reads = Vec::new();
        for job in batch {
            match job {
                Job::Write(w) => writes.push(w),
                Job::Read(r) => reads.push(r),
            }
        }
        if !writes.is_empty() {
            // A stable order of keys keeps concurrent instances (PostgreSQL) from deadlocking.
            writes.sort_by(|a, b| a.key().cmp(b.key()));
            let n = writes.len() as u64;
            if write_batch(conn.as_mut(), &tables, writes) {
                stats.writes.fetch_add(n, Ordering::Relaxed);
                stats.commits.fetch_add(1, Ordering::Relaxed);
            }
        }
        for read in reads {
            read(conn.as_mut());
        }
        if closed {
            break;
        }
    }
}

/// Writes one batch in one transaction; whether it committed. New events go through the fast
/// path ([`bulk`]); what it leaves, and a batch it gives up on, through savepoints.
fn write_batch(conn: &mut dyn SqlConn, tables: &Tables, writes: Vec<WriteJob>) -> bool {
    let now = crate::event::rfc3339(time::OffsetDateTime::now_utc());
    if let Err(e) = conn.batch(begin(conn.dialect())) {
        for job in writes {
            fail_job(job, &e);
        }
        return false;
    }
    let mut settled = Vec::with_capacity(writes.len());
    match bulk::insert_new(conn, tables, writes, &now) {
        bulk::Split::Partial { done, rest } => {
            for d in done {
                settled.push(Settled::Process(d.reply, Ok(d.outcome)));
            }
            write_in_savepoints(conn, tables, rest, &now, &mut settled);
        }
        bulk::Split::Abort(writes, e) => {
            let _ = conn.batch("ROLLBACK");
            for job in writes {
                fail_job(job, &e);
            }
            return false;
        }
        bulk::Split::Retry(writes, why) => {
            tracing::debug!(error = %why, "batch written again, delivery by delivery");
            let restarted = conn
                .batch("ROLLBACK")
                .and_then(|()| conn.batch(begin(conn.dialect())));
            if let Err(e) = restarted {
                for job in writes {
                    fail_job(job, &e);
                }
                return false;
            }
            write_in_savepoints(conn, tables, writes, &now, &mut settled);
        }
    }
    let commit = conn.batch("COMMIT");
    if commit.is_err() {
        let _ = conn.batch("ROLLBACK");
    }
    let committed = commit.is_ok();
    for s in settled {
        s.send(&commit);
    }
    committed
}

fn begin(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => "BEGIN IMMEDIATE",
        Dialect::Postgres => "BEGIN",
    }
}

/// Each delivery in its own savepoint, inside the open transaction: a failure undoes only its
/// own writes.
fn write_in_savepoints(
    conn: &mut dyn SqlConn,
    tables: &Tables,
    writes: Vec<WriteJob>,
    now: &str,
    settled: &mut Vec<Settled>,
) {
    // A successful delivery's savepoint is released together with the next one's creation (one
    // round trip instead of two on PostgreSQL); COMMIT releases the last.
    let mut open: Option<String> = None;
    for (i, job) in writes.into_iter().enumerate() {
        let savepoint = format!("d{i}");
        if let Err(e) = conn.batch(&open_savepoint(open.take(), &savepoint)) {
            fail_job(job, &e);
            continue;
        }
        let (result, still_open) = run_job(conn, tables, job, now, &savepoint);
        if still_open {
            open = Some(savepoint);
        }
        settled.push(result);
    }
}

/// Opens `savepoint`, releasing `previous` (a successful delivery's) in the same round trip.
pub(super) fn open_savepoint(previous: Option<String>, savepoint: &str) -> String {
    match previous {
        Some(previous) => format!("RELEASE SAVEPOINT {previous}; SAVEPOINT {savepoint}"),
        None => format!("SAVEPOINT {savepoint}"),
    }
}

/// Undoes a failed job's writes and releases its savepoint. (A successful job's savepoint stays
/// open and is released with the next one's creation.)
pub(super) fn undo(conn: &mut dyn SqlConn, savepoint: &str) -> Result<(), StoreError> {
    conn.batch(&format!(
        "ROLLBACK TO SAVEPOINT {savepoint}; RELEASE SAVEPOINT {savepoint}"
    ))
}

/// Runs one job inside its savepoint; says whether the savepoint is still open (success).
fn run_job(
    conn: &mut dyn SqlConn,
    tables: &Tables,
    job: WriteJob,
    now: &str,
    savepoint: &str,
) -> (Settled, bool) {
    match job {
        WriteJob::Process {
            event,
            handler,
            count_delivery,
            reply,
        } => match ops::process(conn, tables, &event, handler.as_ref(), count_delivery, now) {
            Ok(Ok(outcome)) => (Settled::Process(reply, Ok(outcome)), true),
            Ok(Err(handler_error)) => {
                // Undo the handler's writes, then record the failure in the same batch.
                let result = undo(conn, savepoint).and_then(|()| {
                    ops::record_failure(conn, tables, &event, &handler_error.0, count_delivery, now)
                        .map(|outcome| match outcome {
                            FailOutcome::Recorded { id } | FailOutcome::AlreadyProcessed { id } => {
                                ProcessOutcome::HandlerFailed {
                                    id,
                                    error: handler_error.0.clone(),
                                }
                            }
                            FailOutcome::Conflict { id, detail } => {
                                ProcessOutcome::Conflict { id, detail }
                            }
                        })
                });
                (Settled::Process(reply, result), false)
            }
            Err(e) => {
                let result = undo(conn, savepoint).and(Err(e));
                (Settled::Process(reply, result), false)
            }
        },
        WriteJob::Fail {
            event,
            error,
            reply,
        } => match ops::record_failure(conn, tables, &event, &error, true, now) {
            Ok(outcome) => (Settled::Fail(reply, Ok(outcome)), true),
            Err(e) => {
                let result = undo(conn, savepoint).and(Err(e));
                (Settled::Fail(reply, result), false)
            }
        },
        WriteJob::Reject {
            rejection,
            body,
            reply,
        } => match ops::record_rejection(conn, tables, &rejection, &body) {
            Ok(id) => (Settled::Reject(reply, Ok(id)), true),
            Err(e) => {
                let result = undo(conn, savepoint).and(Err(e));
                (Settled::Reject(reply, result), false)
            }
        },
    }
}

fn fail_job(job: WriteJob, error: &StoreError) {
    match job {
        WriteJob::Process { reply, .. } => drop(reply.send(Err(error.clone()))),
        WriteJob::Fail { reply, .. } => drop(reply.send(Err(error.clone()))),
        WriteJob::Reject { reply, .. } => drop(reply.send(Err(error.clone()))),
    }
}
