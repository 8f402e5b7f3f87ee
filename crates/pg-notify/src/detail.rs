//! [`Detail`]: what became of a delivery, in words, for the raw log's outcome line and the log.

use std::fmt;
use std::sync::Arc;

use crate::event::Event;

/// What became of a delivery. A stored event is put into words only when a raw log or an
/// enabled log line takes it: a busy receiver (logging at `error`, without a raw log) had
/// formatted a sentence per delivery for nobody.
pub(crate) enum Detail {
    /// The event is stored: processed now, or a duplicate of one processed before.
    Stored {
        id: i64,
        event: Arc<Event>,
        duplicate: bool,
    },
    /// Anything else, already in words.
    Text(String),
}

impl fmt::Display for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Detail::Stored {
                id,
                event,
                duplicate,
            } => {
                let what = if *duplicate { "duplicate" } else { "processed" };
                write!(f, "event {id} {what} ({})", event.key)
            }
            Detail::Text(text) => f.write_str(text),
        }
    }
}

impl From<String> for Detail {
    fn from(text: String) -> Self {
        Detail::Text(text)
    }
}

impl From<&str> for Detail {
    fn from(text: &str) -> Self {
        Detail::Text(text.to_owned())
    }
}
