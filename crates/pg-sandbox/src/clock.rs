//! The simulator's one clock: virtual time that runs `scale` times faster than real time and can
//! be advanced on demand (like Stripe's test clocks), so that retry schedules, SMS deadlines and
//! `TrAuthKey` expiry are testable in seconds.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use pg_core::Clock;
use time::OffsetDateTime;

/// Virtual time: `anchor + (real time since the anchor) × scale`.
#[derive(Debug)]
pub struct VirtualClock {
    state: Mutex<Anchor>,
}

#[derive(Debug, Clone, Copy)]
struct Anchor {
    real: Instant,
    virtual_time: OffsetDateTime,
    scale: u32,
}

impl VirtualClock {
    /// A clock reading `start` now and running `scale` times faster than real time (at least 1).
    pub fn new(start: OffsetDateTime, scale: u32) -> Self {
        VirtualClock {
            state: Mutex::new(Anchor {
                real: Instant::now(),
                virtual_time: start,
                scale: scale.max(1),
            }),
        }
    }

    fn anchor(&self) -> Anchor {
        *self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many times faster than real time the clock runs.
    pub fn scale(&self) -> u32 {
        self.anchor().scale
    }

    /// Moves the clock forward by `by` (virtual time).
    pub fn advance(&self, by: Duration) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = read(&state);
        state.real = Instant::now();
        state.virtual_time = now + by;
    }

    /// The virtual time as Unix milliseconds (what the store keeps).
    pub fn now_ms(&self) -> i64 {
        to_ms(self.now())
    }

    /// How long, in real time, until the virtual clock reads `at_ms` (zero when it already has).
    pub fn real_time_until(&self, at_ms: i64) -> Duration {
        let anchor = self.anchor();
        let ahead = at_ms.saturating_sub(to_ms(read(&anchor)));
        if ahead <= 0 {
            return Duration::ZERO;
        }
        Duration::from_millis(ahead.unsigned_abs() / u64::from(anchor.scale))
    }
}

fn read(anchor: &Anchor) -> OffsetDateTime {
    let elapsed = anchor.real.elapsed();
    let scaled = elapsed
        .checked_mul(anchor.scale)
        .unwrap_or(Duration::from_secs(u64::from(u32::MAX)));
    anchor.virtual_time + scaled
}

impl Clock for VirtualClock {
    fn now(&self) -> OffsetDateTime {
        read(&self.anchor())
    }
}

/// Unix milliseconds of an instant.
pub(crate) fn to_ms(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// The instant of Unix milliseconds.
pub(crate) fn from_ms(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advances_and_scales() {
        let start = OffsetDateTime::from_unix_timestamp(1_760_000_000).unwrap();
        let clock = VirtualClock::new(start, 1000);
        std::thread::sleep(Duration::from_millis(20));
        let ran = clock.now() - start;
        // 20 ms of real time at ×1000 is at least 20 s of virtual time.
        assert!(ran >= time::Duration::seconds(20), "{ran}");
        let before = clock.now_ms();
        clock.advance(Duration::from_secs(3600));
        assert!(clock.now_ms() - before >= 3_600_000);
        assert_eq!(clock.scale(), 1000);
    }

    #[test]
    fn real_time_until_divides_by_the_scale() {
        let start = OffsetDateTime::from_unix_timestamp(1_760_000_000).unwrap();
        let clock = VirtualClock::new(start, 60);
        let due = clock.now_ms() + 60_000;
        let wait = clock.real_time_until(due);
        assert!(
            wait <= Duration::from_secs(1) && wait > Duration::from_millis(900),
            "{wait:?}"
        );
        assert_eq!(clock.real_time_until(0), Duration::ZERO);
        assert_eq!(from_ms(to_ms(start)), start);
    }
}
