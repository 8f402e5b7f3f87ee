//! pg-innopay (being built).
