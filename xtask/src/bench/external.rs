//! The receivers under an external load generator: `wrk` (Debian's; installed when missing and
//! root), in processes of its own, against `pgkit notify serve` — the command a merchant runs —
//! and against a bare axum handler that parses the same bodies and stores nothing.
//!
//! Every configuration gets the same load: two `wrk` processes of one thread and 25 keep-alive
//! connections each, posting the notification set (five bodies, UTF-8 and EUC-KR) with a unique
//! transaction id per request. Each pgkit store is counted afterwards: every acknowledged
//! notification must be in it, once.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::cpu::{Ticks, cpu_per_request, cpu_shares};
use super::{Row, Target, checked_stdout, server_log};
use crate::Result;
use crate::services::Postgres;

/// Cycles through the bodies, `{n}` replaced by the loader's prefix and a running number;
/// reports wrk's merged figures as one JSON line.
const SCRIPT: &str = r#"
local counter = 0
local bodies = {}
local prefix = "00"
function init(args)
  prefix = args[1]
  for i = 2, #args do
    local f = assert(io.open(args[i], "rb"))
    bodies[#bodies + 1] = f:read("*a")
    f:close()
  end
end
function request()
  counter = counter + 1
  local id = prefix .. string.format("%012d", counter)
  local body = bodies[(counter % #bodies) + 1]:gsub("{n}", id)
  return wrk.format("POST", "/innopay/notify",
    {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "PGKIT-RESULT {\"requests\":%d,\"duration_us\":%d,\"status_errors\":%d,\"socket_errors\":%d,\"p50_us\":%d,\"p99_us\":%d,\"max_us\":%d}\n",
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"#;

/// Connections per `wrk` process (two processes: 50 in all).
const CONNECTIONS: &str = "25";

/// A time in RFC 3339, as `results.json` records a load's start and end.
fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// A receiver process, killed on drop.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(program: &Path, args: &[String], port: u16) -> Result<Server> {
    let child = Command::new(program)
        .args(args)
        .env("PGKIT_LOG", "error")
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
    let server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return Err(format!("{} did not listen on port {port}", program.display()).into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(server)
}

/// One configuration: its receivers (already listening) and where each loader points.
struct Config {
    name: &'static str,
    servers: Vec<Server>,
    ports: [u16; 2],
    /// The store to count afterwards.
    db: Option<String>,
}

impl Config {
    /// Its receivers' process ids.
    fn pids(&self) -> impl Iterator<Item = u32> + '_ {
        self.servers.iter().map(|s| s.0.id())
    }
}

pub(super) struct External {
    bin_dir: PathBuf,
    work: PathBuf,
    seconds: String,
    templates: Vec<String>,
}

impl External {
    /// `fixtures`: where `write-fixtures` put the notification set's templates.
    pub(super) fn new(root: &Path, fixtures: &Path, seconds: &str) -> Result<External> {
        super::install::ensure("wrk", "wrk", "the external receiver benchmark")?;
        let work = root.join("target/pgkit-bench/external");
        let _ = std::fs::remove_dir_all(&work);
        std::fs::create_dir_all(&work)?;
        std::fs::write(work.join("notify.lua"), SCRIPT)?;
        let mut templates: Vec<String> = std::fs::read_dir(fixtures.join("templates"))?
            .map(|e| Ok(e?.path().to_string_lossy().into_owned()))
            .collect::<Result<_>>()?;
        templates.sort();
        if templates.is_empty() {
            return Err("write-fixtures wrote no notification templates".into());
        }
        Ok(External {
            bin_dir: root.join("target/release"),
            work,
            seconds: seconds.to_owned(),
            templates,
        })
    }

    /// `pgkit notify serve` on `port` over `db`, with `extra` flags.
    fn pgkit(&self, port: u16, db: &str, extra: &[&str]) -> Result<Server> {
        let mut args = [
            "notify",
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--db",
            db,
        ]
        .map(str::to_owned)
        .to_vec();
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        start(&self.bin_dir.join("pgkit"), &args, port)
    }

    /// Two `pgkit notify serve` sharing the database `url`, each with `extra` flags, one
    /// loader each.
    fn two_receivers(&self, name: &'static str, url: String, extra: &[&str]) -> Result<Config> {
        let (a, b) = (free_port()?, free_port()?);
        Ok(Config {
            name,
            servers: vec![self.pgkit(a, &url, extra)?, self.pgkit(b, &url, extra)?],
            ports: [a, b],
            db: Some(url),
        })
    }

    /// Runs both loaders at once; their merged figures, with what the PostgreSQL server logged
    /// meanwhile when `server_log` is its log.
    fn load(&self, config: &Config, index: usize, server_log: Option<&Path>) -> Result<Value> {
        println!(
            "\n==> wrk: {} (2 processes x {CONNECTIONS} connections, {} s)",
            config.name, self.seconds
        );
        // Dirty pages left by the builds before would otherwise be written back inside the
        // receivers' fsyncs (ext4 commits them together) and show up as their latency.
        let _ = Command::new("sync").status();
        let started = OffsetDateTime::now_utc();
        let before = Ticks::read(config.pids());
        let children: Vec<Child> = config
            .ports
            .iter()
            .enumerate()
            .map(|(loader, port)| {
                let mut args = vec![
                    "-t1".to_owned(),
                    format!("-c{CONNECTIONS}"),
                    format!("-d{}s", self.seconds),
                    "--timeout".to_owned(),
                    "5s".to_owned(),
                    "-s".to_owned(),
                    self.work.join("notify.lua").to_string_lossy().into_owned(),
                    format!("http://127.0.0.1:{port}/innopay/notify"),
                    "--".to_owned(),
                    format!("{index}{loader}"),
                ];
                args.extend(self.templates.iter().cloned());
                Command::new("wrk")
                    .args(&args)
                    .stdout(Stdio::piped())
                    .spawn()
                    .map_err(|e| format!("cannot start wrk: {e}").into())
            })
            .collect::<Result<_>>()?;
        let mut parts = Vec::new();
        let mut after = None;
        for child in children {
            let out = child.wait_with_output()?;
            // Read as soon as the first loader is done (the second ends within milliseconds).
            after.get_or_insert_with(|| Ticks::read(config.pids()));
            let text = String::from_utf8_lossy(&out.stdout);
            let line = text
                .lines()
                .find_map(|l| l.strip_prefix("PGKIT-RESULT "))
                .ok_or_else(|| format!("wrk printed no result: {text}"))?;
            parts.push(serde_json::from_str::<Value>(line)?);
        }
        let ended = OffsetDateTime::now_utc();
        let after = after.unwrap_or_default();
        let sum = |key: &str| parts.iter().filter_map(|p| p[key].as_f64()).sum::<f64>();
        let most = |key: &str| {
            parts
                .iter()
                .filter_map(|p| p[key].as_f64())
                .fold(0.0, f64::max)
        };
        let requests = sum("requests");
        let errors = sum("status_errors") + sum("socket_errors");
        let seconds = most("duration_us") / 1e6;
        let stored = match &config.db {
            Some(db) => Some(self.count(db)?),
            None => None,
        };
        let server = match server_log {
            Some(path) => {
                let log = std::fs::read(path)?;
                server_log::during(&String::from_utf8_lossy(&log), started, ended)
            }
            None => Value::Null,
        };
        let summary = json!({
            "receiver": config.name,
            "processes": config.servers.len(),
            "requests": requests,
            "errors": errors,
            "seconds": seconds,
            "requests_per_second": (requests - errors) / seconds.max(1e-9),
            // The loaders' histograms cannot be merged: the slower loader's percentiles.
            "p50_ms": most("p50_us") / 1000.0,
            "p99_ms": most("p99_us") / 1000.0,
            "max_ms": most("max_us") / 1000.0,
            "stored": stored,
            "cpu": cpu_shares(before, after),
            "cpu_us_per_request": cpu_per_request(before, after, requests - errors),
            // To read beside the PostgreSQL server's log (`postgres.log`), whose entries of
            // the load's span are counted in `server_log`.
            "started_utc": rfc3339(started),
            "ended_utc": rfc3339(ended),
            "server_log": server,
        });
        println!("{summary}");
        if let Some(stored) = stored {
            // Acknowledged (2xx) responses must all be stored; a request wrk cut short at the
            // end may be stored without its answer being counted.
            let acknowledged = requests - errors;
            if (stored as f64) < acknowledged {
                return Err(format!(
                    "{}: {acknowledged} notifications acknowledged but only {stored} stored",
                    config.name
                )
                .into());
            }
        }
        Ok(summary)
    }

    /// One `pgkit notify serve` over `db`, on a port of its own, loaded by both generators.
    fn one_receiver(&self, name: &'static str, db: String) -> Result<Config> {
        let port = free_port()?;
        Ok(Config {
            name,
            servers: vec![self.pgkit(port, &db, &[])?],
            ports: [port, port],
            db: Some(db),
        })
    }

    /// [`External::load`] on PostgreSQL, each load starting from the same state: a checkpoint
    /// first (a load must not inherit the previous one's dirty pages and WAL), and afterwards
    /// the receivers stopped and their database dropped, so that autovacuum does not work
    /// through an earlier load's events during a later one.
    fn load_postgres(
        &self,
        pg: &Postgres,
        config: Config,
        db: &str,
        index: usize,
    ) -> Result<Value> {
        pg.sql("CHECKPOINT")?;
        let figures = self.load(&config, index, Some(&pg.log()))?;
        drop(config);
        pg.drop_database(db)?;
        Ok(figures)
    }

    /// Events in a store, by `pgkit notify export`.
    fn count(&self, db: &str) -> Result<u64> {
        let stdout = checked_stdout(
            Command::new(self.bin_dir.join("pgkit"))
                .args(["notify", "export", "--db", db])
                .env("PGKIT_LOG", "error"),
            "pgkit notify export",
        )?;
        Ok(stdout.iter().filter(|&&b| b == b'\n').count() as u64)
    }

    /// Every configuration, one after the other (PostgreSQL ones when `pg` is running).
    ///
    /// The bare handlers and the receivers take turns, [`ROUNDS`] times: this VM's speed
    /// drifts by 10-30% within minutes (one run measured the same bare handler's two builds at
    /// 37,700 and 50,000 req/s), so each ratio is taken between neighbours and the median of the
    /// rounds is reported (see [`rows`]).
    pub(super) fn run(&self, pg: Option<&Postgres>) -> Result<Vec<Value>> {
        let mut results = Vec::new();
        let stamp = std::process::id();
        for round in 0..ROUNDS {
            // The bare handler on the system allocator (the target's baseline: a merchant's
            // own handler), then on pgkit's allocator (the same work, the same allocator).
            for (index, (name, program)) in [
                ("bare_axum", "bare-receiver"),
                ("bare_axum_mimalloc", "bare-receiver-mimalloc"),
            ]
            .into_iter()
            .enumerate()
            {
                let port = free_port()?;
                let bare = Config {
                    name,
                    servers: vec![start(
                        &self.bin_dir.join(program),
                        &[format!("127.0.0.1:{port}")],
                        port,
                    )?],
                    ports: [port, port],
                    db: None,
                };
                results.push(in_round(self.load(&bare, 10 * round + index, None)?, round));
            }
            let file = self.work.join(format!("receiver-{round}.db"));
            let sqlite =
                self.one_receiver("pgkit_sqlite", format!("sqlite://{}", file.display()))?;
            results.push(in_round(self.load(&sqlite, 10 * round + 2, None)?, round));
            drop(sqlite);
            if let Some(pg) = pg {
                // One receiver, then two sharing a database, each on a database of its own
                // round: the two-vs-one ratio is taken between neighbours too.
                let db = format!("bench_one_{stamp}_{round}");
                let one = self.one_receiver("pgkit_postgres", pg.create_database(&db)?)?;
                results.push(in_round(
                    self.load_postgres(pg, one, &db, 10 * round + 3)?,
                    round,
                ));
                // Two as they start by default (each two writers and a thread per core), then
                // two sized to share the machine as the README says (each one writer and one
                // thread): the machine's writers and threads as with one.
                for (index, (name, extra)) in [
                    ("pgkit_postgres_two_processes", &[][..]),
                    (
                        "pgkit_postgres_two_processes_sized",
                        &["--writers", "1", "--worker-threads", "1"][..],
                    ),
                ]
                .into_iter()
                .enumerate()
                {
                    let db = format!("bench_two_{index}_{stamp}_{round}");
                    let two = self.two_receivers(name, pg.create_database(&db)?, extra)?;
                    results.push(in_round(
                        self.load_postgres(pg, two, &db, 10 * round + 4 + index)?,
                        round,
                    ));
                }
            }
        }
        Ok(results)
    }
}

/// Rounds of the bare handlers and the receivers taking turns.
const ROUNDS: usize = 3;

/// A configuration's figures, marked with the round they were measured in.
fn in_round(mut figures: Value, round: usize) -> Value {
    figures["round"] = json!(round);
    figures
}

/// The middle value (the upper one of an even count); `None` when there is none.
fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied()
}

/// The report's rows for the external figures: a configuration measured in several rounds by
/// its median; a ratio between two of them by the median of the rounds' ratios.
pub(super) fn rows(results: &[Value]) -> Vec<Row> {
    let all = |name: &'static str| results.iter().filter(move |r| r["receiver"] == name);
    let figure =
        |name: &'static str, key: &str| median(all(name).filter_map(|r| r[key].as_f64()).collect());
    let rps = |name: &'static str| figure(name, "requests_per_second");
    let p99 = |name: &'static str| figure(name, "p99_ms");
    // Each round's ratio of `name` to `baseline`, then their median.
    let paired = |name: &'static str, baseline: &'static str| {
        median(
            all(name)
                .filter_map(|r| {
                    let base = all(baseline).find(|b| b["round"] == r["round"])?;
                    Some(
                        r["requests_per_second"].as_f64()?
                            / base["requests_per_second"].as_f64()?,
                    )
                })
                .collect(),
        )
    };
    let bare = rps("bare_axum");
    let mut rows = Vec::new();
    let mut versus = |operation: &str,
                      name: &'static str,
                      baseline: &'static str,
                      base: Option<f64>,
                      at_least: Option<f64>| {
        if let Some(value) = rps(name) {
            rows.push(Row {
                operation: operation.to_owned(),
                measured: name.to_owned(),
                baseline: baseline.to_owned(),
                value,
                unit: "req/s",
                baseline_value: base,
                ratio: paired(name, baseline).or_else(|| base.map(|b| value / b)),
                target: at_least.map(|x| (Target::RatioAtLeast, x)),
            });
        }
    };
    versus(
        "Receiver (wrk), SQLite, vs bare axum",
        "pgkit_sqlite",
        "bare_axum",
        bare,
        Some(0.5),
    );
    versus(
        "Receiver (wrk), PostgreSQL, vs bare axum",
        "pgkit_postgres",
        "bare_axum",
        bare,
        Some(0.3),
    );
    let same_allocator = rps("bare_axum_mimalloc");
    let mut same_allocator_rows = Vec::new();
    let mut reported = |operation: &str, name: &'static str| {
        if let (Some(value), Some(base)) = (rps(name), same_allocator) {
            same_allocator_rows.push(Row {
                operation: operation.to_owned(),
                measured: name.to_owned(),
                baseline: "bare_axum_mimalloc".to_owned(),
                value,
                unit: "req/s",
                baseline_value: Some(base),
                ratio: paired(name, "bare_axum_mimalloc").or(Some(value / base)),
                target: None,
            });
        }
    };
    reported(
        "Receiver (wrk), SQLite, vs bare axum on the same allocator (mimalloc)",
        "pgkit_sqlite",
    );
    reported(
        "Receiver (wrk), PostgreSQL, vs bare axum on the same allocator (mimalloc)",
        "pgkit_postgres",
    );
    versus(
        "Receiver (wrk), two PostgreSQL receivers vs one",
        "pgkit_postgres_two_processes",
        "pgkit_postgres",
        rps("pgkit_postgres"),
        Some(1.6),
    );
    versus(
        "Receiver (wrk), two PostgreSQL receivers sized to share the machine (--writers 1 --worker-threads 1 each) vs one",
        "pgkit_postgres_two_processes_sized",
        "pgkit_postgres",
        rps("pgkit_postgres"),
        None,
    );
    for (name, label, limit) in [
        ("pgkit_sqlite", "Receiver (wrk), SQLite, p99 latency", 5.0),
        (
            "pgkit_postgres",
            "Receiver (wrk), PostgreSQL, p99 latency",
            10.0,
        ),
    ] {
        if let Some(value) = p99(name) {
            rows.push(Row {
                operation: label.to_owned(),
                measured: name.to_owned(),
                baseline: "-".into(),
                value,
                unit: "ms",
                baseline_value: None,
                ratio: None,
                target: Some((Target::ValueAtMost, limit)),
            });
        }
    }
    rows.extend(same_allocator_rows);
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(name: &str, round: usize, rps: f64, p99: f64) -> Value {
        in_round(
            json!({ "receiver": name, "requests_per_second": rps, "p99_ms": p99 }),
            round,
        )
    }

    #[test]
    fn rounds_give_medians_and_ratios_between_neighbours() {
        // The machine slows down in the second round: bare and pgkit alike.
        let results = [
            figures("bare_axum", 0, 50_000.0, 4.0),
            figures("pgkit_sqlite", 0, 24_000.0, 5.0),
            figures("bare_axum", 1, 30_000.0, 6.0),
            figures("pgkit_sqlite", 1, 15_600.0, 9.0),
            figures("bare_axum", 2, 45_000.0, 5.0),
            figures("pgkit_sqlite", 2, 22_050.0, 6.0),
            // Two PostgreSQL receivers against one, in the same three rounds.
            figures("pgkit_postgres", 0, 18_000.0, 9.0),
            figures("pgkit_postgres_two_processes", 0, 19_800.0, 12.0),
            figures("pgkit_postgres", 1, 10_000.0, 80.0),
            figures("pgkit_postgres_two_processes", 1, 12_000.0, 70.0),
            figures("pgkit_postgres", 2, 16_000.0, 8.0),
            figures("pgkit_postgres_two_processes", 2, 16_000.0, 11.0),
            figures("pgkit_postgres_two_processes_sized", 0, 18_000.0, 9.0),
            figures("pgkit_postgres_two_processes_sized", 1, 13_000.0, 9.0),
            figures("pgkit_postgres_two_processes_sized", 2, 17_600.0, 9.0),
        ];
        let rows = rows(&results);
        let find = |operation: &str| rows.iter().find(|r| r.operation == operation).unwrap();
        let sqlite = find("Receiver (wrk), SQLite, vs bare axum");
        // Ratios 0.48, 0.52, 0.49: their median (the slow second round does not pull it).
        assert_eq!(sqlite.ratio, Some(0.49));
        assert_eq!(
            (sqlite.value, sqlite.baseline_value),
            (22_050.0, Some(45_000.0))
        );
        assert_eq!(find("Receiver (wrk), SQLite, p99 latency").value, 6.0);
        // Ratios 1.1, 1.2, 1.0: the median, not 16,000 / 16,000 of the medians.
        assert_eq!(
            find("Receiver (wrk), two PostgreSQL receivers vs one").ratio,
            Some(1.1)
        );
        // Reported beside it, with no target of its own: ratios 1.0, 1.3, 1.1.
        let sized = find(
            "Receiver (wrk), two PostgreSQL receivers sized to share the machine (--writers 1 --worker-threads 1 each) vs one",
        );
        assert_eq!((sized.ratio, sized.target.is_none()), (Some(1.1), true));
        // A disk stall in one round does not set the tail.
        assert_eq!(find("Receiver (wrk), PostgreSQL, p99 latency").value, 9.0);
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![3.0, 1.0]), Some(3.0));
    }
}
