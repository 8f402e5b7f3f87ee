//! What the bench's PostgreSQL server logged during one load under `wrk`: its log read between
//! the load's start and end, so that a round with a long tail can be told from the server's side
//! (autovacuum or autoanalyze of the table being written, a checkpoint, slow statements, lock
//! waits) without matching timestamps by hand.

use serde_json::{Value, json};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

/// A time as the server's log line prefix gives it (`%m` with `log_timezone=UTC`:
/// `2026-12-04 06:19:53.341 UTC`), up to the milliseconds. Stamps in this form compare as
/// strings in time order.
const STAMP: &[BorrowedFormatItem<'_>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second].[subsecond digits:3]");

fn stamp(t: OffsetDateTime) -> String {
    t.format(STAMP).unwrap_or_default()
}

/// The entries of `log` stamped from `from` to `to`, counted by kind. Lines that do not begin
/// with a UTC time stamp (an entry's detail lines, another prefix) are not entries.
pub(super) fn during(log: &str, from: OffsetDateTime, to: OffsetDateTime) -> Value {
    let (from, to) = (stamp(from), stamp(to));
    let mut slow = 0u64;
    let mut slowest_ms = 0f64;
    let (mut vacuums, mut analyzes, mut checkpoints, mut lock_waits) = (0u64, 0u64, 0u64, 0u64);
    for line in log.lines() {
        let Some(time) = line.get(..from.len()) else {
            continue;
        };
        let stamped = line[time.len()..].starts_with(" UTC ")
            && PrimitiveDateTime::parse(time, STAMP).is_ok();
        if !stamped || time < from.as_str() || time > to.as_str() {
            continue;
        }
        if let Some((_, rest)) = line.split_once("LOG:  duration: ") {
            slow += 1;
            let ms = rest.split(" ms").next().and_then(|ms| ms.parse().ok());
            slowest_ms = slowest_ms.max(ms.unwrap_or_default());
        } else if line.contains("LOG:  automatic vacuum of table") {
            vacuums += 1;
        } else if line.contains("LOG:  automatic analyze of table") {
            analyzes += 1;
        } else if line.contains("LOG:  checkpoint starting") {
            checkpoints += 1;
        } else if line.contains(" still waiting for ") {
            lock_waits += 1;
        }
    }
    json!({
        "slow_statements": slow,
        "slowest_statement_ms": slowest_ms,
        "autovacuums": vacuums,
        "autoanalyzes": analyzes,
        "checkpoints": checkpoints,
        "lock_waits": lock_waits,
    })
}

/// [`during`]'s counts in a few words for the report: `none`, or e.g. `autovacuum 1,
/// autoanalyze 1, 3 statements over 50 ms (longest 61 ms)`.
pub(super) fn summary(counts: &Value) -> String {
    let n = |key: &str| counts[key].as_u64().unwrap_or_default();
    let mut parts = Vec::new();
    for (key, name) in [
        ("autovacuums", "autovacuum"),
        ("autoanalyzes", "autoanalyze"),
        ("checkpoints", "checkpoint"),
        ("lock_waits", "lock wait"),
    ] {
        if n(key) > 0 {
            parts.push(format!("{name} {}", n(key)));
        }
    }
    if n("slow_statements") > 0 {
        parts.push(format!(
            "{} over 50 ms (longest {:.0} ms)",
            n("slow_statements"),
            counts["slowest_statement_ms"].as_f64().unwrap_or_default()
        ));
    }
    if parts.is_empty() {
        "none".to_owned()
    } else {
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const LOG: &str = "\
2026-12-04 06:17:20.100 UTC [17129] LOG:  duration: 70.5 ms  statement: COMMIT
2026-12-04 06:17:27.885 UTC [17129] LOG:  checkpoint starting: immediate force wait
2026-12-04 06:17:30.010 UTC [17131] LOG:  duration: 50.685 ms  statement: COMMIT
2026-12-04 06:17:31.500 UTC [17131] LOG:  duration: 61.2 ms  statement: INSERT INTO e VALUES ($1)
2026-12-04 06:17:35.121 UTC [17183] LOG:  automatic vacuum of table \"b.public.pgkit_events\": index scans: 0
\tpages: 0 removed, 7988 remain, 7988 scanned (100.00% of total)
\tautomatic analyze of table \"not.an.entry\"
2026-12-04 06:17:36.037 UTC [17183] LOG:  automatic analyze of table \"b.public.pgkit_events\"
2026-12-04 06:17:36.500 UTC [17200] LOG:  process 17200 still waiting for ShareLock on transaction 9 after 1000.1 ms
2026-12-04 06:17:37.903 UTC [17131] LOG:  duration: 90.0 ms  statement: COMMIT
";

    #[test]
    fn counts_only_the_entries_stamped_within_the_load() {
        let counts = during(
            LOG,
            datetime!(2026-12-04 06:17:27.885354 UTC),
            datetime!(2026-12-04 06:17:37.902 UTC),
        );
        // The checkpoint at the load's first millisecond is in; the slow commits before the
        // start and after the end (70.5 and 90.0 ms) are not; a detail line is not an entry.
        assert_eq!(counts["slow_statements"], 2);
        assert_eq!(counts["slowest_statement_ms"], 61.2);
        assert_eq!(counts["autovacuums"], 1);
        assert_eq!(counts["autoanalyzes"], 1);
        assert_eq!(counts["checkpoints"], 1);
        assert_eq!(counts["lock_waits"], 1);
        assert_eq!(
            summary(&counts),
            "autovacuum 1, autoanalyze 1, checkpoint 1, lock wait 1, 2 over 50 ms (longest 61 ms)"
        );
    }

    #[test]
    fn a_quiet_load_and_unreadable_lines_give_none() {
        let log = "not a log line\n2026-12-04 06:17:3x.000 UTC [1] LOG:  checkpoint starting\n\
                   2026-12-04 06:17:31.000 CET [1] LOG:  checkpoint starting\n\u{d55c}\u{ae00}";
        let counts = during(
            log,
            datetime!(2026-12-04 06:17:00 UTC),
            datetime!(2026-12-04 06:18:00 UTC),
        );
        assert_eq!(counts["checkpoints"], 0);
        assert_eq!(summary(&counts), "none");
        assert_eq!(
            summary(&during(
                LOG,
                datetime!(2027-01-01 0:00 UTC),
                datetime!(2027-01-01 0:01 UTC)
            )),
            "none"
        );
    }
}
