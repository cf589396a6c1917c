//! The core's one error type mapped once: a JS `Error` whose message
//! starts with a stable code (`LOGFORT_CONFIG: ...`); lib/errors.js
//! moves the code to `err.code`.

use logfort_core::Error;

pub fn code(e: &Error) -> &'static str {
    match e {
        Error::Config(_) => "LOGFORT_CONFIG",
        Error::Schema(_) => "LOGFORT_SCHEMA",
        Error::Shutdown => "LOGFORT_SHUTDOWN",
        Error::Timeout(_) => "LOGFORT_TIMEOUT",
        Error::Io(_) => "LOGFORT_IO",
    }
}

pub fn to_js(e: Error) -> napi::Error {
    napi::Error::from_reason(format!("{}: {e}", code(&e)))
}
