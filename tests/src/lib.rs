//! Cross-crate end-to-end tests, the helpers they share, and the README's examples as doctests.

pub mod fuzz;
pub mod sandbox_support;

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
