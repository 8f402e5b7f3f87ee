//! Where the machine's time goes during a load, read from `/proc`: the receivers' processes,
//! PostgreSQL's, and the rest (the load generator and the kernel), as shares of all cores and
//! as CPU time per answered request.

use serde_json::{Value, json};

/// CPU time so far, in clock ticks (`/proc`): the receivers, PostgreSQL's processes, and the
/// machine's busy and total time (all cores).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Ticks {
    receivers: u64,
    postgres: u64,
    busy: u64,
    total: u64,
}

/// utime + stime of a process.
fn process_ticks(pid: u32) -> u64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0;
    };
    // Fields after the command name (which may hold spaces): state is the first; utime and
    // stime are the 12th and 13th.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(vec![], |(_, rest)| rest.split_whitespace().collect());
    let at = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    at(11) + at(12)
}

impl Ticks {
    /// A reading now, `receivers` being the receivers' process ids.
    pub(super) fn read(receivers: impl Iterator<Item = u32>) -> Ticks {
        let receivers = receivers.map(process_ticks).sum();
        let postgres = std::fs::read_dir("/proc")
            .map(|dir| {
                dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
                    .filter(|pid| {
                        std::fs::read_to_string(format!("/proc/{pid}/comm"))
                            .is_ok_and(|c| c.trim() == "postgres")
                    })
                    .map(process_ticks)
                    .sum()
            })
            .unwrap_or(0);
        let (busy, total) = std::fs::read_to_string("/proc/stat")
            .ok()
            .and_then(|s| {
                let cpu: Vec<u64> = s
                    .lines()
                    .next()?
                    .split_whitespace()
                    .skip(1)
                    .filter_map(|f| f.parse().ok())
                    .collect();
                let total: u64 = cpu.iter().sum();
                // idle and iowait are the 4th and 5th.
                let idle = cpu.get(3).copied().unwrap_or(0) + cpu.get(4).copied().unwrap_or(0);
                Some((total - idle, total))
            })
            .unwrap_or((0, 0));
        Ticks {
            receivers,
            postgres,
            busy,
            total,
        }
    }
}

/// Clock ticks per second in `/proc`'s times: `USER_HZ`, which Linux fixes at 100 for user
/// space on every architecture this runs on (proc(5)).
const USER_HZ: f64 = 100.0;

/// CPU time per answered request, in microseconds, between two readings: the receivers' and
/// PostgreSQL's. What a second receiver process costs shows here: smaller batches each, so more
/// commits (and wakeups) per request on both sides.
pub(super) fn cpu_per_request(before: Ticks, after: Ticks, requests: f64) -> Value {
    let us = |a: u64, b: u64| {
        let seconds = a.saturating_sub(b) as f64 / USER_HZ;
        (seconds * 1e6 / requests.max(1.0) * 10.0).round() / 10.0
    };
    json!({
        "receivers": us(after.receivers, before.receivers),
        "postgres": us(after.postgres, before.postgres),
    })
}

/// Where the machine's time went between two readings, as shares of all cores.
pub(super) fn cpu_shares(before: Ticks, after: Ticks) -> Value {
    let total = after.total.saturating_sub(before.total).max(1) as f64;
    let share = |a: u64, b: u64| (a.saturating_sub(b) as f64 / total * 1000.0).round() / 1000.0;
    let receivers = share(after.receivers, before.receivers);
    let postgres = share(after.postgres, before.postgres);
    let busy = share(after.busy, before.busy);
    json!({
        "receivers": receivers,
        "postgres": postgres,
        "load_generator_and_kernel": ((busy - receivers - postgres).max(0.0) * 1000.0).round() / 1000.0,
        "idle": ((1.0 - busy) * 1000.0).round() / 1000.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_is_shared_out_and_charged_per_request() {
        let before = Ticks {
            receivers: 1_000,
            postgres: 500,
            busy: 10_000,
            total: 20_000,
        };
        // Ten seconds on two cores (2,000 ticks): 6 s of receivers, 4.5 s of PostgreSQL, 18 s busy.
        let after = Ticks {
            receivers: 1_600,
            postgres: 950,
            busy: 11_800,
            total: 22_000,
        };
        let shares = cpu_shares(before, after);
        assert_eq!(shares["receivers"], 0.3);
        assert_eq!(shares["postgres"], 0.225);
        assert_eq!(shares["load_generator_and_kernel"], 0.375);
        assert_eq!(shares["idle"], 0.1);
        // 120,000 answered requests: 50 us of receiver time each, 37.5 of PostgreSQL's.
        let per_request = cpu_per_request(before, after, 120_000.0);
        assert_eq!(per_request["receivers"], 50.0);
        assert_eq!(per_request["postgres"], 37.5);
        // No request answered: no division by zero, and nothing charged for the bare handlers'
        // absent PostgreSQL.
        let idle = cpu_per_request(before, before, 0.0);
        assert_eq!(
            (idle["receivers"].as_f64(), idle["postgres"].as_f64()),
            (Some(0.0), Some(0.0))
        );
    }
}
