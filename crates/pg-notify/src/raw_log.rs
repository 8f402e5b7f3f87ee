//! The append-only raw log: every request a gateway sends, one JSON line each, in a file per
//! Korean calendar day (`notifications-YYYY-MM-DD.log`), with card numbers masked and secrets
//! never written — the log the Innopay manual (4.3) asks every merchant to keep.
//!
//! Each line stands alone: a write that fails part-way (a full disk) is cut off again, so the
//! next line never merges with a broken one. Only a short list of headers is written. Files
//! are created readable by their owner only.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use pg_core::kst::{KST, KstDateTime, KstFormat};
use serde_json::json;
use time::OffsetDateTime;

/// One request, as logged.
#[derive(Debug, Clone, Copy)]
pub struct RawEntry<'a> {
    /// A number that ties the request line to its outcome line.
    pub delivery: u64,
    /// When it arrived.
    pub at: OffsetDateTime,
    /// Which endpoint.
    pub gateway: &'a str,
    /// HTTP method.
    pub method: &'a str,
    /// Request path.
    pub path: &'a str,
    /// Sender.
    pub remote: Option<IpAddr>,
    /// Headers (only those in [`LOGGED_HEADERS`] are written).
    pub headers: &'a [(String, String)],
    /// The body, already masked with [`crate::mask::mask_form_body`] (card numbers, secrets):
    /// whole, or its first fields when `body_sha256` is set.
    pub masked_body: &'a [u8],
    /// The whole body's size in bytes.
    pub body_size: usize,
    /// The whole body's SHA-256 (hex), when only its first fields are written.
    pub body_sha256: Option<&'a str>,
}

/// The headers the raw log writes; any other header — a credential, a card number in a custom
/// header — never reaches it.
pub const LOGGED_HEADERS: [&str; 7] = [
    "content-type",
    "content-length",
    "user-agent",
    "host",
    "x-forwarded-for",
    "x-real-ip",
    "forwarded",
];

/// A request line, serialized without building a JSON tree.
#[derive(serde::Serialize)]
struct RequestLine<'a> {
    delivery: u64,
    at: String,
    gateway: &'a str,
    method: &'a str,
    path: &'a str,
    remote: Option<String>,
    headers: Headers<'a>,
    body: std::borrow::Cow<'a, str>,
    body_encoding: &'static str,
    body_size: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    body_sha256: Option<&'a str>,
}

/// Headers as a JSON object: only [`LOGGED_HEADERS`], names lowercased.
struct Headers<'a>(&'a [(String, String)]);

impl serde::Serialize for Headers<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        let logged = |n: &str| LOGGED_HEADERS.iter().any(|h| n.eq_ignore_ascii_case(h));
        for (name, value) in self.0.iter().filter(|(n, _)| logged(n)) {
            if name.bytes().any(|b| b.is_ascii_uppercase()) {
                map.serialize_entry(&name.to_ascii_lowercase(), value)?;
            } else {
                map.serialize_entry(name, value)?;
            }
        }
        map.end()
    }
}

/// The daily-rotated, append-only log.
#[derive(Debug)]
pub struct RawLog {
    dir: PathBuf,
    current: Mutex<Option<Current>>,
}

/// The open file: its day's name, its length after the last whole line, and whether that ends
/// with a newline (a file left by a crash may not).
#[derive(Debug)]
struct Current {
    name: String,
    file: File,
    len: u64,
    ended: bool,
}

impl RawLog {
    /// A log writing into `dir` (created if missing).
    pub fn open(dir: impl AsRef<Path>) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir.as_ref())?;
        Ok(RawLog {
            dir: dir.as_ref().to_path_buf(),
            current: Mutex::new(None),
        })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file for the Korean day of `at`.
    pub fn file_for(&self, at: OffsetDateTime) -> PathBuf {
        self.dir.join(file_name(at))
    }

    /// Appends a request line.
    pub fn append(&self, entry: &RawEntry<'_>) -> std::io::Result<()> {
        let (body, body_encoding) = match std::str::from_utf8(entry.masked_body) {
            Ok(text) => (std::borrow::Cow::Borrowed(text), "text"),
            Err(_) => (
                std::borrow::Cow::Owned(base64_simd::STANDARD.encode_to_string(entry.masked_body)),
                "base64",
            ),
        };
        let line = RequestLine {
            delivery: entry.delivery,
            at: kst_text(entry.at),
            gateway: entry.gateway,
            method: entry.method,
            path: entry.path,
            remote: entry.remote.map(|r| r.to_string()),
            headers: Headers(entry.headers),
            body,
            body_encoding,
            body_size: entry.body_size,
            body_sha256: entry.body_sha256,
        };
        self.write_line(entry.at, &line)
    }

    /// Appends the outcome of a delivery (acknowledged or not, and why).
    pub fn outcome(
        &self,
        delivery: u64,
        at: OffsetDateTime,
        status: u16,
        acknowledged: bool,
        detail: &str,
    ) -> std::io::Result<()> {
        let line = json!({
            "delivery": delivery,
            "at": kst_text(at),
            "status": status,
            "acknowledged": acknowledged,
            "detail": detail,
        });
        self.write_line(at, &line)
    }

    /// Serializes `line` as one JSON line and appends it to the file of `at`'s day.
    fn write_line(&self, at: OffsetDateTime, line: &impl serde::Serialize) -> std::io::Result<()> {
        let mut text = serde_json::to_vec(line).map_err(std::io::Error::other)?;
        text.push(b'\n');
        let name = file_name(at);
        let mut guard = self
            .current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let reopen = guard.as_ref().is_none_or(|c| c.name != name);
        if reopen {
            let mut options = OpenOptions::new();
            options.create(true).append(true).read(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let file = options.open(self.dir.join(&name))?;
            let len = file.metadata()?.len();
            let ended = ends_with_newline(&file, len);
            *guard = Some(Current {
                name,
                file,
                len,
                ended,
            });
        }
        let Some(current) = guard.as_mut() else {
            return Err(std::io::Error::other("raw log file not open"));
        };
        // A line cut short before (a crash, or a failed cut after a full disk) is ended first.
        if !current.ended {
            text.insert(0, b'\n');
        }
        match current
            .file
            .write_all(&text)
            .and_then(|()| current.file.flush())
        {
            Ok(()) => {
                current.len += text.len() as u64;
                current.ended = true;
                Ok(())
            }
            Err(e) => {
                // Cut the partial line off, so that the next line starts on its own. If even
                // that fails, reopen (and re-measure) before the next write.
                if current.file.set_len(current.len).is_err() {
                    *guard = None;
                }
                Err(e)
            }
        }
    }
}

/// Whether the file's last byte (of `len`) is a newline (an empty file counts as ended).
fn ends_with_newline(file: &File, len: u64) -> bool {
    if len == 0 {
        return true;
    }
    #[cfg(unix)]
    {
        let mut last = [0u8];
        std::os::unix::fs::FileExt::read_at(file, &mut last, len - 1)
            .map_or(true, |n| n == 0 || last[0] == b'\n')
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        true
    }
}

fn file_name(at: OffsetDateTime) -> String {
    let day = KstDateTime::from_instant(at).format(KstFormat::YyyyMMdd);
    format!(
        "notifications-{}-{}-{}.log",
        &day[..4],
        &day[4..6],
        &day[6..8]
    )
}

fn kst_text(at: OffsetDateTime) -> String {
    at.to_offset(KST)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn writes_masked_lines_into_daily_files() {
        let dir = tempfile::tempdir().unwrap();
        let log = RawLog::open(dir.path()).unwrap();
        let headers = vec![
            (
                "Content-Type".to_owned(),
                "application/x-www-form-urlencoded".to_owned(),
            ),
            ("Authorization".to_owned(), "Basic c2VjcmV0".to_owned()),
            ("X-Card".to_owned(), "4111111111111111".to_owned()),
            ("X-Api-Key".to_owned(), "APIKEY".to_owned()),
        ];
        // 14:59 UTC is 23:59 in Korea; 15:00 UTC is the next Korean day.
        for (i, at) in [
            datetime!(2026-11-24 14:59 UTC),
            datetime!(2026-11-24 15:00 UTC),
        ]
        .into_iter()
        .enumerate()
        {
            log.append(&RawEntry {
                delivery: i as u64,
                at,
                gateway: "innopay",
                method: "POST",
                path: "/innopay/notify",
                remote: Some("211.193.35.216".parse().unwrap()),
                headers: &headers,
                masked_body: &crate::mask::mask_form_body(
                    b"moid=a&cardNo=4111111111111111&billKey=SECRETKEY",
                ),
                body_size: 48,
                body_sha256: None,
            })
            .unwrap();
        }
        log.outcome(1, datetime!(2026-11-24 15:00 UTC), 200, true, "processed")
            .unwrap();
        let first =
            std::fs::read_to_string(dir.path().join("notifications-2026-11-24.log")).unwrap();
        let second =
            std::fs::read_to_string(dir.path().join("notifications-2026-11-25.log")).unwrap();
        assert_eq!(first.lines().count(), 1);
        assert_eq!(second.lines().count(), 2);
        for text in [&first, &second] {
            assert!(!text.contains("4111111111111111"), "{text}");
            assert!(!text.contains("SECRETKEY"));
            assert!(!text.contains("c2VjcmV0"));
            assert!(!text.contains("APIKEY") && !text.contains("x-card"));
        }
        assert!(first.contains("411111******1111"));
        let line: serde_json::Value = serde_json::from_str(first.lines().next().unwrap()).unwrap();
        assert_eq!(line["at"], "2026-11-24T23:59:00+09:00");
        assert_eq!(line["remote"], "211.193.35.216");
        assert_eq!(
            line["headers"]["content-type"],
            "application/x-www-form-urlencoded"
        );
    }

    #[test]
    fn every_line_stands_alone_and_the_file_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let at = datetime!(2026-11-24 03:00 UTC);
        let log = RawLog::open(dir.path()).unwrap();
        let path = log.file_for(at);
        // A line cut short by a crash (or a full disk) is left at the end of the file.
        std::fs::write(&path, b"{\"delivery\":1,\"at\":\"2026-11-24T12:00").unwrap();
        let entry = RawEntry {
            delivery: 2,
            at,
            gateway: "innopay",
            method: "POST",
            path: "/innopay/notify",
            remote: None,
            headers: &[],
            masked_body: b"moid=a",
            body_size: 6,
            body_sha256: None,
        };
        log.append(&entry).unwrap();
        log.append(&RawEntry {
            delivery: 3,
            ..entry
        })
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(serde_json::from_str::<serde_json::Value>(lines[0]).is_err());
        for line in &lines[1..] {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(v["body_size"], 6);
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let other = log.file_for(datetime!(2026-11-25 03:00 UTC));
            log.outcome(4, datetime!(2026-11-25 03:00 UTC), 200, true, "x")
                .unwrap();
            let mode = std::fs::metadata(other).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
