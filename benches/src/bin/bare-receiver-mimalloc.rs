//! The bare axum receiver (see `pgkit_benches::bare`) on mimalloc, the allocator `pgkit` uses:
//! a ratio against it compares the work done, not the allocators.
//!
//! ```text
//! bare-receiver-mimalloc ADDRESS
//! ```

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    pgkit_benches::bare::main_with_address_argument("bare-receiver-mimalloc");
}
