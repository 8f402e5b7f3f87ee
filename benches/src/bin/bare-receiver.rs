//! The bare axum receiver (see `pgkit_benches::bare`) on the system allocator.
//!
//! ```text
//! bare-receiver ADDRESS
//! ```

fn main() {
    pgkit_benches::bare::main_with_address_argument("bare-receiver");
}
