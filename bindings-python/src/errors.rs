//! The core's one error type as Python exceptions, mapped here only.

use logfort_core::Error;
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyTimeoutError, PyValueError};
use pyo3::PyErr;

create_exception!(
    logfort,
    LogfortError,
    PyException,
    "Base class of logfort's errors."
);
create_exception!(
    logfort,
    ConfigError,
    PyValueError,
    "Invalid configuration: the message names the key, the value and what was expected."
);

create_exception!(
    logfort,
    SchemaError,
    LogfortError,
    "A record broke its schema under policy `strict` (raised to the caller)."
);

pub fn to_py(e: Error) -> PyErr {
    match e {
        Error::Config(_) => ConfigError::new_err(e.to_string()),
        Error::Schema(_) => SchemaError::new_err(e.to_string()),
        Error::Timeout(_) => PyTimeoutError::new_err(e.to_string()),
        other => LogfortError::new_err(other.to_string()),
    }
}
