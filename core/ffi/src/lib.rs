//! liblogfort: the C ABI of logfort. Only the boundary lives here —
//! argument checks, string conversion, status codes and the panic
//! guard — every behaviour comes from logfort-core.
//!
//! `include/logfort.h` is generated from this crate by cbindgen.

#![allow(non_camel_case_types)]

mod context;
mod logger;
mod mask;
mod status;
mod strings;
mod types;

pub use context::*;
pub use logger::*;
pub use mask::*;
pub use status::*;
pub use strings::*;
pub use types::*;
