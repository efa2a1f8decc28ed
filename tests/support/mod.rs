//! Support for the integration tests: a fake vendor server.

pub mod fake;
pub mod postgres;
