//! napi-rs glue between the `logfort` npm package (lib/*.js) and
//! logfort-core. Only conversion lives here: JS hands over strings and
//! numbers, the core does validation, masking, encoding and I/O on its
//! writer thread.

mod context;
mod error;
pub mod hot;
mod logger;
mod types;

use logfort_core::mask::{MaskConfig, Masker};
use logfort_core::{Config, Level};
use napi_derive::napi;
use std::sync::OnceLock;

pub use context::NativeContext;
pub use logger::{Channel, ChannelCore, NativeLogger};

/// The core's version, as `lf_version` reports it.
#[napi]
pub fn version() -> String {
    logfort_core::VERSION.to_owned()
}

/// A level name users type (any case, Python or Winston spelling) or a
/// number, on the shared numeric scale; `null` when it is not a level.
#[napi]
pub fn parse_level(name: String) -> Option<u32> {
    name.parse::<Level>().ok().map(|l| l.number() as u32)
}

/// A Winston level name mapped onto the shared scale by the core's one
/// mapping; `null` for names Winston's npm/syslog sets do not have.
#[napi]
pub fn level_from_winston(name: String) -> Option<u32> {
    Level::from_winston(&name).map(|l| l.number() as u32)
}

/// The canonical name of a level number (`20` → `INFO`).
#[napi]
pub fn level_name(number: i32) -> String {
    Level::from_number(number as i64).as_str().to_owned()
}

/// `text` masked with the default rules: the `mask` section of
/// `LOG_CONFIG` (if any) with `LOG_*` applied, built once. An unreadable
/// configuration falls back to the built-in rules rather than to no
/// masking; `LOG_MASK_SENSITIVE_DATA=false` returns the text unchanged.
#[napi]
pub fn mask(text: String) -> String {
    static DEFAULT: OnceLock<Option<Masker>> = OnceLock::new();
    let masker = DEFAULT.get_or_init(|| {
        let config = Config::load(None).map(|c| c.mask).unwrap_or_default();
        if !config.enabled {
            return None;
        }
        Masker::new(&config)
            .or_else(|_| Masker::new(&MaskConfig::default()))
            .ok()
    });
    match masker {
        Some(m) => m.mask_str(&text).into_owned(),
        None => text,
    }
}
