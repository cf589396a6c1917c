//! Shared pieces of the logfort benchmarks (`make bench`).

pub mod corpus;
pub mod naive;
