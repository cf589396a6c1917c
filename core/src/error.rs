//! The one error type of the core; each binding maps it once (Python
//! exception classes, JS `Error.code`, C `lf_status`).

use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad configuration; the text names the key, the value and what was
    /// expected.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A record failed schema validation under policy `strict`.
    #[error("schema violation: {0}")]
    Schema(String),
    #[error("logger is shut down")]
    Shutdown,
    #[error("flush timed out after {0:?}")]
    Timeout(Duration),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T> = std::result::Result<T, Error>;
