//! A port for a server a test starts (and may restart) at an address fixed beforehand.

use std::net::TcpListener;

/// A port that is free now and lies below the range the system hands out to outgoing
/// connections and to `bind(0)` (`ip_local_port_range`): between this call and the server's
/// bind (or while the server is down for a restart), neither a connection's local port nor a
/// parallel test's `bind(0)` can take it.
pub(crate) fn free_port() -> u16 {
    let ephemeral_low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|r| r.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32768);
    let low = 10_000u16.min(ephemeral_low / 2);
    let span = u32::from(ephemeral_low.saturating_sub(low).max(1));
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let mut pick = std::process::id() ^ nanos;
    for _ in 0..1000 {
        pick = pick.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let port = low + ((pick >> 8) % span) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port below {ephemeral_low}");
}
