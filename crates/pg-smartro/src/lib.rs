//! pg-smartro (being built).
