//! The durable, idempotent event store: SQLite (embedded default) or PostgreSQL (feature
//! `postgres`), both behind one writer thread per store that commits concurrent deliveries
//! together (group commit) and answers each only after its batch is durable.

mod bulk;
mod ops;
#[cfg(feature = "postgres")]
mod postgres;
mod reads;
mod schema;
#[cfg(feature = "sqlite")]
mod sqlite;
mod writer;

use std::sync::Arc;
use std::sync::mpsc::{Sender, channel};

use tokio::sync::oneshot;

pub use ops::FailOutcome;
pub(crate) use reads::StoredBody;
use schema::Tables;
use writer::{Job, WriteJob};

use crate::event::{Event, EventRecord, EventState, ProcessOutcome, Rejection};
use crate::handler::Handler;
use crate::sql::{SqlConn, StoreError};

/// The most writer connections a store opens ([`StoreConfig::writers`]).
pub const MAX_WRITERS: usize = 64;

/// How a store is set up.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// Prefix of the table names (`{prefix}events`, `{prefix}rejections`). Default `pgkit_`.
    pub table_prefix: String,
    /// Most deliveries committed in one transaction. Default 512.
    pub max_batch: usize,
    /// Writer connections, each committing its own batches. SQLite has one writer whatever
    /// this says; PostgreSQL defaults to 2, and refuses 0 or more than [`MAX_WRITERS`] (see
    /// [`StoreConfig::postgres_writers`]). A batch's new events are one multi-row insert, so
    /// 1, 2 and 4 writers measured the same under `wrk`; fewer writers make larger batches.
    /// Receivers sharing one database split its deliveries: two processes of two writers each
    /// made batches half as large, and cost a quarter more CPU per request, receivers and
    /// PostgreSQL alike, than two of one writer each.
    pub writers: Option<usize>,
    /// Creates the tables (and the SQLite file) when they do not exist. Default `true`. With
    /// `false` only an existing store opens: export and query tools use it, so that a mistyped
    /// URL is an error instead of a new, empty store.
    pub create: bool,
}

impl StoreConfig {
    /// The writer connections a PostgreSQL store opens for this configuration: 2 unless
    /// [`StoreConfig::writers`] says; when it asks for none, or for more than
    /// [`MAX_WRITERS`], the rule it breaks (`must be at least 1`, ...).
    pub fn postgres_writers(&self) -> Result<usize, String> {
        match self.writers {
            None => Ok(2),
            Some(0) => Err("must be at least 1".to_owned()),
            Some(n) if n > MAX_WRITERS => Err(format!(
                "must be at most {MAX_WRITERS} (each is a database connection)"
            )),
            Some(n) => Ok(n),
        }
    }
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            table_prefix: "pgkit_".into(),
            max_batch: 512,
            writers: None,
            create: true,
        }
    }
}

/// A handle to a store; cheap to clone. The writer thread stops when the last handle is dropped.
#[derive(Debug, Clone)]
pub struct Store {
    jobs: Arc<std::sync::Mutex<Sender<Job>>>,
    backend: &'static str,
    tables: Tables,
    stats: Arc<writer::Stats>,
}

/// How much group commit saved: writes committed, in how many transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StoreStats {
    /// Deliveries (events, failures, rejections) written.
    pub writes: u64,
    /// Transactions committed (one fsync each).
    pub commits: u64,
}

impl Store {
    /// Opens a store from a URL: `sqlite://PATH` (or `sqlite::memory:`), or `postgres://...` /
    /// `postgresql://...` (feature `postgres`).
    pub async fn open(url: &str, config: StoreConfig) -> Result<Store, StoreError> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            return Store::sqlite(path, config).await;
        }
        if url == "sqlite::memory:" {
            return Store::sqlite(":memory:", config).await;
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Store::postgres(url, config).await;
        }
        Err(StoreError::new(
            "the database URL must start with sqlite:// or postgres://",
        ))
    }

    /// An SQLite store at `path` (WAL journal, `synchronous=FULL`: a commit survives power loss).
    #[cfg(feature = "sqlite")]
    pub async fn sqlite(path: &str, config: StoreConfig) -> Result<Store, StoreError> {
        let path = path.to_owned();
        let create = config.create;
        Store::start("sqlite", config, 1, move || sqlite::open(&path, create)).await
    }

    /// SQLite is not compiled in.
    #[cfg(not(feature = "sqlite"))]
    pub async fn sqlite(_: &str, _: StoreConfig) -> Result<Store, StoreError> {
        Err(StoreError::new(
            "pg-notify was built without the `sqlite` feature",
        ))
    }

    /// A PostgreSQL store. Several receiver instances may share one database: a delivery that
    /// reaches two of them at once is processed once.
    #[cfg(feature = "postgres")]
    pub async fn postgres(url: &str, config: StoreConfig) -> Result<Store, StoreError> {
        let writers = config.postgres_writers().map_err(|_| {
            StoreError::new(format!(
                "writers must be 1 to {MAX_WRITERS} (each is a database connection), not {}",
                config.writers.unwrap_or_default()
            ))
        })?;
        let url = url.to_owned();
        Store::start("postgres", config, writers, move || postgres::open(&url)).await
    }

    /// PostgreSQL is not compiled in.
    #[cfg(not(feature = "postgres"))]
    pub async fn postgres(_: &str, _: StoreConfig) -> Result<Store, StoreError> {
        Err(StoreError::new(
            "pg-notify was built without the `postgres` feature",
        ))
    }

    async fn start(
        backend: &'static str,
        config: StoreConfig,
        writers: usize,
        connect: impl Fn() -> Result<Box<dyn SqlConn + Send>, StoreError> + Send + Sync + 'static,
    ) -> Result<Store, StoreError> {
        let tables = Tables::new(&config.table_prefix)?;
        let stats = Arc::new(writer::Stats::default());
        let (tx, rx) = channel();
        let jobs = Arc::new(std::sync::Mutex::new(rx));
        let connect = Arc::new(connect);
        let max_batch = config.max_batch.max(1);
        let create = config.create;
        for n in 0..writers {
            let (ready_tx, ready_rx) = oneshot::channel();
            let (tables, stats, jobs, connect) =
                (tables.clone(), stats.clone(), jobs.clone(), connect.clone());
            std::thread::Builder::new()
                .name(format!("pg-notify-{backend}-writer-{n}"))
                .spawn(move || {
                    let opened = connect().and_then(|mut conn| {
                        if n == 0 {
                            if !create {
                                require_tables(conn.as_mut(), &tables)?;
                            }
                            migrate(conn.as_mut(), &tables)?;
                        }
                        Ok(conn)
                    });
                    match opened {
                        Ok(conn) => {
                            let _ = ready_tx.send(Ok(()));
                            writer::run(conn, tables, &jobs, max_batch, &stats);
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                        }
                    }
                })
                .map_err(|e| StoreError::new(format!("cannot start a writer thread: {e}")))?;
            // Writers start one after the other: the first creates the tables.
            ready_rx
                .await
                .map_err(|_| StoreError::new("a writer thread stopped while opening"))??;
        }
        Ok(Store {
            jobs: Arc::new(std::sync::Mutex::new(tx)),
            backend,
            tables,
            stats,
        })
    }

    /// Writes and commits so far.
    pub fn stats(&self) -> StoreStats {
        self.stats.snapshot()
    }

    /// Runs `work` on a writer connection, outside any batch: to create the merchant's own
    /// tables next to the events, or to read them.
    pub async fn with_connection<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut dyn SqlConn) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.read(move |conn, _| work(conn)).await
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        self.backend
    }

    fn send(&self, job: Job) -> Result<(), StoreError> {
        self.jobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .send(job)
            .map_err(|_| StoreError::new("the store's writer thread has stopped"))
    }

    async fn reply<T>(
        &self,
        job: Job,
        rx: oneshot::Receiver<Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        self.send(job)?;
        rx.await
            .map_err(|_| StoreError::new("the store's writer thread dropped the request"))?
    }

    /// Stores the event and runs `handler` in the same transaction; returns once committed.
    pub async fn process(
        &self,
        event: Arc<Event>,
        handler: Arc<dyn Handler>,
    ) -> Result<ProcessOutcome, StoreError> {
        self.process_with(event, handler, true).await
    }

    pub(crate) async fn process_with(
        &self,
        event: Arc<Event>,
        handler: Arc<dyn Handler>,
        count_delivery: bool,
    ) -> Result<ProcessOutcome, StoreError> {
        let (reply, rx) = oneshot::channel();
        let job = Job::Write(WriteJob::Process {
            event,
            handler,
            count_delivery,
            reply,
        });
        self.reply(job, rx).await
    }

    /// Records a verification failure under the event's key.
    pub async fn record_failure(
        &self,
        event: Arc<Event>,
        error: String,
    ) -> Result<FailOutcome, StoreError> {
        let (reply, rx) = oneshot::channel();
        self.reply(
            Job::Write(WriteJob::Fail {
                event,
                error,
                reply,
            }),
            rx,
        )
        .await
    }

    /// Records a rejected delivery (its body is stored as given: mask it first).
    pub async fn record_rejection(
        &self,
        rejection: Rejection,
        masked_body: Vec<u8>,
    ) -> Result<i64, StoreError> {
        let (reply, rx) = oneshot::channel();
        self.reply(
            Job::Write(WriteJob::Reject {
                rejection,
                body: masked_body,
                reply,
            }),
            rx,
        )
        .await
    }

    async fn read<T: Send + 'static>(
        &self,
        run: impl FnOnce(&mut dyn SqlConn, &Tables) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (reply, rx) = oneshot::channel();
        let tables = self.tables.clone();
        let job = Job::Read(Box::new(move |conn: &mut dyn SqlConn| {
            let _ = reply.send(run(conn, &tables));
        }));
        self.reply(job, rx).await
    }

    /// Events, oldest first, optionally only those in `state`; `after_id` and `limit` page.
    pub async fn list(
        &self,
        state: Option<EventState>,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<EventRecord>, StoreError> {
        self.read(move |c, t| reads::list(c, t, state, after_id, limit))
            .await
    }

    /// One event.
    pub async fn get(&self, id: i64) -> Result<Option<EventRecord>, StoreError> {
        self.read(move |c, t| reads::get(c, t, id)).await
    }

    /// Rejected deliveries, oldest first.
    pub async fn rejections(
        &self,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<Rejection>, StoreError> {
        self.read(move |c, t| reads::rejections(c, t, after_id, limit))
            .await
    }

    /// Number of events per state.
    pub async fn counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        self.read(reads::counts).await
    }

    /// Writes every event as one JSON object per line, oldest first; returns how many.
    pub async fn export_jsonl(
        &self,
        out: &mut (dyn std::io::Write + Send),
    ) -> Result<usize, StoreError> {
        let mut after = 0;
        let mut count = 0;
        loop {
            let page = self.list(None, after, 500).await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            for record in &page {
                let line = serde_json::to_string(record).map_err(StoreError::new)?;
                writeln!(out, "{line}").map_err(StoreError::new)?;
                count += 1;
            }
        }
        Ok(count)
    }

    pub(crate) async fn stored_body(
        &self,
        id: i64,
    ) -> Result<Option<reads::StoredBody>, StoreError> {
        self.read(move |c, t| reads::body(c, t, id)).await
    }
}

/// Creates the tables, once per database even with several instances starting together.
/// Fails unless the events table exists (a store opened with `create: false`).
fn require_tables(conn: &mut dyn SqlConn, tables: &Tables) -> Result<(), StoreError> {
    conn.query(
        &format!("SELECT id FROM {} LIMIT 1", tables.events),
        &[],
        &[crate::sql::ColumnType::Int],
    )
    .map(|_| ())
    .map_err(|_| {
        StoreError::new(format!(
            "no pgkit event store here: the table {} does not exist",
            tables.events
        ))
    })
}

fn migrate(conn: &mut dyn SqlConn, tables: &Tables) -> Result<(), StoreError> {
    let ddl = tables.ddl(conn.dialect());
    let upgrades = tables.upgrades(conn.dialect());
    // A database created by an earlier version lacks the newer columns: add each (SQLite has no
    // `ADD COLUMN IF NOT EXISTS`, so an existing column's error is expected and ignored).
    let upgrade = |conn: &mut dyn SqlConn| {
        for statement in &upgrades {
            if let Err(e) = conn.batch(statement) {
                if !e.to_string().contains("duplicate column") {
                    return Err(e);
                }
            }
        }
        Ok(())
    };
    match conn.dialect() {
        crate::sql::Dialect::Sqlite => {
            conn.batch(&ddl)?;
            upgrade(conn)
        }
        crate::sql::Dialect::Postgres => {
            // Receivers already running on these tables must not wait for one joining them.
            let current = conn.query_one(
                &tables.is_current_sql(),
                &[],
                &[crate::sql::ColumnType::Int],
            )?;
            if current.and_then(|r| r[0].as_i64()) == Some(1) {
                return Ok(());
            }
            conn.batch("BEGIN; SELECT pg_advisory_xact_lock(7420011);")?;
            match conn.batch(&ddl).and_then(|()| upgrade(conn)) {
                Ok(()) => conn.batch("COMMIT"),
                Err(e) => {
                    let _ = conn.batch("ROLLBACK");
                    Err(e)
                }
            }
        }
    }
}
