//! What a refused request may cost the disk: a bounded sample of its body, and a per-source
//! budget of refusal records, so that junk — however large, however often — cannot fill the
//! volume the real notifications need.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::mask::mask_form_body;

/// A body as kept when it cannot be kept whole: its size, its SHA-256 (hex), and its first
/// bytes, masked and cut at a field boundary so that no value is split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BodySample {
    /// The whole body's size in bytes.
    pub(crate) size: usize,
    /// The whole body's SHA-256, when it was cut.
    pub(crate) sha256: Option<String>,
    /// What is kept (masked).
    pub(crate) head: Vec<u8>,
}

/// The body whole (masked) when it is at most `keep` bytes, otherwise its first `keep` bytes
/// up to the last `&`, masked — or, with no `&` there, with every digit hidden.
pub(crate) fn sample(body: &[u8], keep: usize) -> BodySample {
    if body.len() <= keep {
        return BodySample {
            size: body.len(),
            sha256: None,
            head: mask_form_body(body),
        };
    }
    let prefix = &body[..keep];
    let head = match prefix.iter().rposition(|b| *b == b'&') {
        Some(end) => mask_form_body(&prefix[..end]),
        None => prefix
            .iter()
            .map(|b| if b.is_ascii_digit() { b'*' } else { *b })
            .collect(),
    };
    BodySample {
        size: body.len(),
        sha256: Some(hex(&Sha256::digest(body))),
        head,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Refusals recorded per source and window; beyond it they are counted, and the count is
/// recorded once when the window ends.
#[derive(Debug)]
pub(crate) struct RefusalBudget {
    window: Duration,
    per_window: u32,
    sources: Mutex<HashMap<Option<IpAddr>, Window>>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    recorded: u32,
    suppressed: u64,
    suppressed_bytes: u64,
}

/// Whether to record a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Record it; `earlier` refusals of this source (and their bytes) went unrecorded in the
    /// window before.
    Record {
        /// Refusals not recorded in the previous window.
        earlier: u64,
        /// Their bodies' total size.
        earlier_bytes: u64,
    },
    /// Over the budget: count it only.
    Suppress,
}

/// Sources remembered at most (a flood from many addresses forgets the oldest windows).
const MAX_SOURCES: usize = 10_000;

impl RefusalBudget {
    /// At most `per_window` records per source and `window`.
    pub(crate) fn new(per_window: u32, window: Duration) -> Self {
        RefusalBudget {
            window,
            per_window,
            sources: Mutex::new(HashMap::new()),
        }
    }

    /// Decides for one refusal of `size` bytes from `source`.
    pub(crate) fn judge(&self, source: Option<IpAddr>, size: usize) -> Verdict {
        let now = Instant::now();
        let mut sources = self
            .sources
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if sources.len() >= MAX_SOURCES && !sources.contains_key(&source) {
            let window = self.window;
            sources.retain(|_, w| now.duration_since(w.started) < window);
        }
        let fresh = Window {
            started: now,
            recorded: 0,
            suppressed: 0,
            suppressed_bytes: 0,
        };
        let w = sources.entry(source).or_insert(fresh);
        let mut earlier = (0, 0);
        if now.duration_since(w.started) >= self.window {
            earlier = (w.suppressed, w.suppressed_bytes);
            *w = fresh;
        }
        if w.recorded < self.per_window {
            w.recorded += 1;
            Verdict::Record {
                earlier: earlier.0,
                earlier_bytes: earlier.1,
            }
        } else {
            w.suppressed += 1;
            w.suppressed_bytes += size as u64;
            Verdict::Suppress
        }
    }
}

impl Default for RefusalBudget {
    /// 20 records per source per minute.
    fn default() -> Self {
        RefusalBudget::new(20, Duration::from_secs(60))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_keep_whole_fields_masked() {
        let small = sample(b"moid=a&cardNo=4111111111111111", 1024);
        assert_eq!(small.head, b"moid=a&cardNo=411111******1111");
        assert_eq!((small.size, small.sha256), (30, None));
        let body = format!("moid=a&cardNo=4111111111111111&x={}", "y".repeat(5000));
        let cut = sample(body.as_bytes(), 1024);
        assert_eq!(cut.head, b"moid=a&cardNo=411111******1111");
        assert_eq!(cut.size, body.len());
        assert_eq!(cut.sha256.as_deref().map(str::len), Some(64));
        let blob = format!("4111111111111111{}", "9".repeat(3000));
        let hidden = sample(blob.as_bytes(), 100);
        assert_eq!(hidden.head, vec![b'*'; 100]);
    }

    #[test]
    fn each_source_has_a_budget_per_window() {
        let budget = RefusalBudget::new(2, Duration::from_millis(50));
        let a = Some("10.0.0.1".parse().unwrap());
        let b = Some("10.0.0.2".parse().unwrap());
        let record = Verdict::Record {
            earlier: 0,
            earlier_bytes: 0,
        };
        assert_eq!(budget.judge(a, 10), record);
        assert_eq!(budget.judge(a, 10), record);
        assert_eq!(budget.judge(a, 10), Verdict::Suppress);
        assert_eq!(budget.judge(a, 15), Verdict::Suppress);
        assert_eq!(budget.judge(b, 10), record);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(
            budget.judge(a, 10),
            Verdict::Record {
                earlier: 2,
                earlier_bytes: 25
            }
        );
    }
}
