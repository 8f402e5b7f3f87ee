//! Cross-crate end-to-end tests, and the README's examples as doctests.

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
