//! Code generated from `data/`.

/// The manual's field tables.
pub mod fields;
