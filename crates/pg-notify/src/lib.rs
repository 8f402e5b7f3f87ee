//! pg-notify (being built).
