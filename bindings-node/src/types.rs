//! Record types as the core defines them (`audit`, `security`,
//! `performance`, `business`): the core builds the record (fields,
//! message, level, `log_type`); the glue adds the JS context and honours
//! the JS logger's level.

use crate::context::NativeContext;
use crate::error::to_js;
use crate::logger::{Channel, ChannelCore};
use logfort_core::{audit, Record, Value};
use napi::bindgen_prelude::*;
use napi_derive::napi;

/// The members of the caller's details object (a JSON object text).
fn details(json: Option<String>) -> Vec<(String, Value)> {
    match json.map(|j| Value::parse_json(&j)) {
        Some(Value::Object(members)) => members,
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![("details".to_owned(), other)],
    }
}

impl ChannelCore {
    /// Logs a typed record unless it is below `threshold` (the JS level).
    fn log_typed(
        &self,
        mut rec: Record,
        threshold: u32,
        context: Option<&NativeContext>,
    ) -> Result<()> {
        if (rec.level.number() as u32) < threshold {
            return Ok(());
        }
        rec.context = context.map(|c| c.inner.clone());
        self.push(rec).map_err(to_js)
    }
}

#[napi]
impl Channel {
    /// Who did what to which resource, and how it ended.
    #[napi]
    #[allow(clippy::too_many_arguments)]
    pub fn audit(
        &self,
        threshold: u32,
        action: String,
        resource_type: String,
        resource_id: String,
        user_id: Option<String>,
        result: String,
        details_json: Option<String>,
        context: Option<&NativeContext>,
    ) -> Result<()> {
        let core = self.core();
        let rec = audit::audit(
            core.name(),
            &action,
            &resource_type,
            &resource_id,
            user_id.as_deref(),
            details(details_json),
            &result,
        );
        core.log_typed(rec, threshold, context)
    }

    /// A security event; the severity picks the level.
    #[napi]
    #[allow(clippy::too_many_arguments)]
    pub fn security(
        &self,
        threshold: u32,
        event: String,
        severity: String,
        client_ip: Option<String>,
        user_id: Option<String>,
        details_json: Option<String>,
        context: Option<&NativeContext>,
    ) -> Result<()> {
        let core = self.core();
        let rec = audit::security(
            core.name(),
            &event,
            &severity,
            client_ip.as_deref(),
            user_id.as_deref(),
            details(details_json),
        );
        core.log_typed(rec, threshold, context)
    }

    /// How long an operation took; the level follows the thresholds.
    #[napi]
    pub fn performance(
        &self,
        threshold: u32,
        operation: String,
        duration_ms: f64,
        success: bool,
        details_json: Option<String>,
        context: Option<&NativeContext>,
    ) -> Result<()> {
        let core = self.core();
        let rec = audit::performance(
            &core.config().performance,
            core.name(),
            &operation,
            duration_ms,
            success,
            details(details_json),
        );
        core.log_typed(rec, threshold, context)
    }

    /// A business event.
    #[napi]
    pub fn business(
        &self,
        threshold: u32,
        event: String,
        details_json: Option<String>,
        context: Option<&NativeContext>,
    ) -> Result<()> {
        let core = self.core();
        let rec = audit::business(core.name(), &event, details(details_json));
        core.log_typed(rec, threshold, context)
    }
}
