//! The library half of `pgkit`: the gateway settings (config file, environment, flags) that the
//! command line and the example shop (`examples/shop`) read the same way.

pub mod config;
