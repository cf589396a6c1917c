//! logfort-core: log records from any caller thread, through a bounded
//! queue, to a writer thread that validates, masks, encodes and writes
//! them. Pure Rust; the bindings live elsewhere.

pub mod audit;
mod barrier;
pub mod bytes;
pub mod capture;
pub mod chain;
pub mod config;
pub mod context;
pub mod encode;
pub mod error;
pub mod level;
mod local;
pub mod logger;
pub mod mask;
pub mod metrics;
pub mod monitor;
mod names;
pub mod pipeline;
pub mod record;
mod ring;
pub mod schema;
pub mod sink;
mod stamp;
pub mod value;
mod writer;

pub use capture::Capture;
pub use config::{Config, Overflow};
pub use context::Context;
pub use error::{Error, Result};
pub use level::Level;
pub use logger::Logger;
pub use mask::{MaskConfig, Masker};
pub use metrics::Metrics;
pub use pipeline::Formatter;
pub use record::{Exception, Location, LogType, Record};
pub use ring::Scalar;
pub use value::Value;
pub use writer::Stage;

/// The crate version, as `lf_version` and the bindings report it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
