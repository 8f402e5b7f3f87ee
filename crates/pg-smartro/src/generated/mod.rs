//! Code generated from `data/`.

pub(crate) mod fields;
