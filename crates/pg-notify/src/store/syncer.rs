//! Durability off the writer's path (SQLite): the writer commits a batch without waiting for
//! the disk (`synchronous=NORMAL` in WAL mode: the WAL is written, not yet synced) and goes on
//! to the next batch, while this thread syncs the WAL and only then answers the batch's
//! deliveries. A sync started after a commit returned makes that commit durable (the WAL is
//! appended to in order, and SQLite syncs it itself before copying any of it into the
//! database), so nothing is acknowledged before it is on disk. Batches committed while a sync
//! runs share the next one.
//!
//! Waiting for the disk inside each commit had left the writer idle for the device's latency
//! every batch (0.1-0.4 ms here); see `docs/performance.md`.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;

use crate::sql::StoreError;

/// An answer held back until a sync: it receives the sync's outcome.
pub(super) type Answer = Box<dyn FnOnce(&Result<(), StoreError>) + Send>;

/// The thread that syncs a WAL file and then sends the answers of what was committed before.
pub(super) struct Syncer {
    answers: Option<Sender<Vec<Answer>>>,
    thread: Option<JoinHandle<()>>,
}

impl Syncer {
    /// Starts the thread for the WAL at `wal` (opened at the first sync: SQLite creates it).
    pub(super) fn start(wal: PathBuf) -> Result<Syncer, StoreError> {
        let mut file = None;
        Syncer::start_with(move || sync(&mut file, &wal))
    }

    /// Starts the thread with `sync` as what makes the commits so far durable.
    fn start_with(
        sync: impl FnMut() -> Result<(), StoreError> + Send + 'static,
    ) -> Result<Syncer, StoreError> {
        let (answers, pending) = channel();
        let thread = std::thread::Builder::new()
            .name("pg-notify-sqlite-sync".into())
            .spawn(move || sync_then_answer(sync, &pending))
            .map_err(|e| StoreError::new(format!("cannot start the WAL sync thread: {e}")))?;
        Ok(Syncer {
            answers: Some(answers),
            thread: Some(thread),
        })
    }

    /// Sends `answers` once everything committed so far is on disk.
    pub(super) fn after_sync(&self, answers: Vec<Answer>) {
        if answers.is_empty() {
            return;
        }
        if let Some(tx) = &self.answers
            && let Err(unsent) = tx.send(answers)
        {
            // The thread is gone (it never is while the writer runs): answer with an error,
            // never with a success that is not known to be durable.
            let error = Err(StoreError::new("the WAL sync thread has stopped"));
            for answer in unsent.0 {
                answer(&error);
            }
        }
    }
}

impl Drop for Syncer {
    /// Answers what is still waiting (after a last sync) before the writer's connection closes.
    fn drop(&mut self) {
        drop(self.answers.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn sync_then_answer(
    mut sync: impl FnMut() -> Result<(), StoreError>,
    pending: &Receiver<Vec<Answer>>,
) {
    while let Ok(first) = pending.recv() {
        let mut answers = first;
        // Everything committed by now: one sync covers it all.
        while let Ok(more) = pending.try_recv() {
            answers.extend(more);
        }
        let synced = sync();
        if let Err(e) = &synced {
            tracing::error!(error = %e, "WAL sync failed: the batch is not acknowledged");
        }
        for answer in answers {
            answer(&synced);
        }
    }
}

/// Syncs the WAL's data to disk (its size included, which reading it back needs).
fn sync(file: &mut Option<File>, wal: &Path) -> Result<(), StoreError> {
    let open = match file {
        Some(f) => f,
        // Read and write, never create: it is SQLite's file. (No lock is ever taken on a WAL
        // file, so this handle's closing releases none of SQLite's.)
        None => file.insert(
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(wal)
                .map_err(|e| StoreError::new(format!("cannot open {}: {e}", wal.display())))?,
        ),
    };
    open.sync_data()
        .map_err(|e| StoreError::new(format!("cannot sync {}: {e}", wal.display())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    /// An answer that reports what it was given on `out`.
    fn answer(n: u32, out: &std::sync::mpsc::Sender<(u32, bool)>) -> Answer {
        let out = out.clone();
        Box::new(move |durable: &Result<(), StoreError>| {
            let _ = out.send((n, durable.is_ok()));
        })
    }

    #[test]
    fn answers_wait_for_a_sync_and_batches_share_one() {
        // A sync that waits until the test lets it finish, counting the syncs.
        let (release, released) = channel::<()>();
        let released = Arc::new(Mutex::new(released));
        let syncs = Arc::new(Mutex::new(0u32));
        let syncer = {
            let (released, syncs) = (released.clone(), syncs.clone());
            Syncer::start_with(move || {
                released.lock().unwrap().recv().unwrap();
                *syncs.lock().unwrap() += 1;
                Ok(())
            })
            .unwrap()
        };
        let (out, answered) = channel();
        syncer.after_sync(vec![answer(1, &out)]);
        // The first sync is under way and held: nothing is answered.
        std::thread::sleep(Duration::from_millis(50));
        syncer.after_sync(vec![answer(2, &out), answer(3, &out)]);
        syncer.after_sync(vec![answer(4, &out)]);
        assert!(answered.recv_timeout(Duration::from_millis(100)).is_err());
        release.send(()).unwrap();
        assert_eq!(
            answered.recv_timeout(Duration::from_secs(5)).unwrap(),
            (1, true)
        );
        // Batches committed during the first sync wait for a second one, which covers all.
        assert!(answered.recv_timeout(Duration::from_millis(100)).is_err());
        release.send(()).unwrap();
        let rest: Vec<_> = (0..3)
            .map(|_| answered.recv_timeout(Duration::from_secs(5)).unwrap())
            .collect();
        assert_eq!(rest, [(2, true), (3, true), (4, true)]);
        assert_eq!(*syncs.lock().unwrap(), 2);
        drop(syncer);
    }

    #[test]
    fn a_failed_sync_answers_with_an_error_and_a_missing_wal_fails() {
        let dir = tempfile::tempdir().unwrap();
        // No WAL there: the sync cannot happen, and nothing is answered with a success.
        let syncer = Syncer::start(dir.path().join("missing.db-wal")).unwrap();
        let (out, answered) = channel();
        syncer.after_sync(vec![answer(1, &out), answer(2, &out)]);
        assert_eq!(
            answered.recv_timeout(Duration::from_secs(5)).unwrap(),
            (1, false)
        );
        assert_eq!(
            answered.recv_timeout(Duration::from_secs(5)).unwrap(),
            (2, false)
        );
        // A WAL that exists is synced.
        let wal = dir.path().join("events.db-wal");
        std::fs::write(&wal, b"frames").unwrap();
        let syncer = Syncer::start(wal).unwrap();
        syncer.after_sync(vec![answer(3, &out)]);
        assert_eq!(
            answered.recv_timeout(Duration::from_secs(5)).unwrap(),
            (3, true)
        );
    }

    #[test]
    fn dropping_it_answers_what_waits() {
        let syncer = Syncer::start_with(|| {
            std::thread::sleep(Duration::from_millis(50));
            Ok(())
        })
        .unwrap();
        let (out, answered) = channel();
        syncer.after_sync(vec![answer(1, &out)]);
        syncer.after_sync(vec![answer(2, &out)]);
        drop(syncer);
        // Both answered by the time the drop returned.
        assert_eq!(answered.try_recv().unwrap(), (1, true));
        assert_eq!(answered.try_recv().unwrap(), (2, true));
    }
}
