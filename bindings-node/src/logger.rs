//! `NativeLogger` owns one core logger (queue + writer thread);
//! `Channel` is a named view of it with pre-serialised child bindings,
//! and carries the hot `log` call: a level number, the message, the
//! caller's fields as one JSON string and a context handle.

use crate::context::NativeContext;
use crate::error::to_js;
use crate::hot;
use logfort_core::{Config, Context, Exception, Level, Location, LogType, Logger, Record};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

/// How long `flush`/`flushSync` wait when the caller gives no timeout.
const DEFAULT_FLUSH_MS: u32 = 30_000;

#[napi]
pub struct NativeLogger {
    inner: Arc<Logger>,
    /// The configured level; JS filters on it (and may change it later),
    /// the core itself passes every level to the sinks' own minimums.
    level: u32,
    /// The lowest level any sink writes.
    floor: u32,
}

#[napi]
impl NativeLogger {
    /// Configuration from a JSON document (camelCase keys welcome), with
    /// `LOG_CONFIG` / `LOG_*` applied by the core. An empty document means
    /// defaults plus environment.
    #[napi(constructor)]
    pub fn new(config_json: Option<String>) -> Result<Self> {
        let mut config = Config::load(config_json.as_deref()).map_err(to_js)?;
        let level = config.level.number() as u32;
        // Level filtering happens in JS so `logger.level = 'debug'` works
        // at run time; the sinks keep their own `min_level`.
        config.level = Level::Trace;
        let floor = config.effective_level().number() as u32;
        let inner = Logger::new(config).map_err(to_js)?;
        Ok(NativeLogger {
            inner: Arc::new(inner),
            level,
            floor,
        })
    }

    #[napi(getter)]
    pub fn level(&self) -> u32 {
        self.level
    }

    #[napi(getter)]
    pub fn floor(&self) -> u32 {
        self.floor
    }

    /// Blocks until every record queued before the call is written.
    #[napi]
    pub fn flush_sync(&self, timeout_ms: Option<u32>) -> Result<()> {
        self.inner.flush(timeout(timeout_ms)).map_err(to_js)
    }

    /// As `flushSync`, on the libuv pool; resolves when written.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn flush(&self, timeout_ms: Option<u32>) -> AsyncTask<FlushTask> {
        AsyncTask::new(FlushTask {
            logger: self.inner.clone(),
            timeout: timeout(timeout_ms),
        })
    }

    /// Writes what is queued and stops the writer; later records are
    /// counted as dropped. Idempotent.
    #[napi]
    pub fn shutdown(&self, timeout_ms: Option<u32>) -> Result<()> {
        self.inner.shutdown(timeout(timeout_ms)).map_err(to_js)
    }

    #[napi(getter)]
    pub fn is_shut_down(&self) -> bool {
        self.inner.is_shut_down()
    }

    /// `text` with this logger's masking rules (unchanged when masking
    /// is off): for strings sent somewhere other than a record.
    #[napi]
    pub fn mask(&self, text: String) -> String {
        self.inner.mask(&text)
    }

    /// Every counter, in the Prometheus text format.
    #[napi]
    pub fn metrics_text(&self) -> String {
        self.inner.metrics().to_prometheus()
    }
}

fn timeout(ms: Option<u32>) -> Duration {
    Duration::from_millis(ms.unwrap_or(DEFAULT_FLUSH_MS) as u64)
}

pub struct FlushTask {
    logger: Arc<Logger>,
    timeout: Duration,
}

impl Task for FlushTask {
    type Output = ();
    type JsValue = ();

    fn compute(&mut self) -> Result<()> {
        self.logger.flush(self.timeout).map_err(to_js)
    }

    fn resolve(&mut self, _env: Env, _output: ()) -> Result<()> {
        Ok(())
    }
}

/// An exception as JS captured it (`Error` name, message, stack, code).
#[napi(object)]
pub struct JsException {
    #[napi(js_name = "type")]
    pub type_name: String,
    pub message: String,
    pub traceback: Option<String>,
    pub code: Option<String>,
}

/// Where a record was logged from.
#[napi(object)]
pub struct JsLocation {
    pub file: String,
    pub line: u32,
    pub function: String,
}

/// The rarely used parts of a record, passed only when present.
#[napi(object)]
pub struct Extra {
    /// Record time in ms since the epoch (tests fix it; default now).
    pub time: Option<f64>,
    pub exception: Option<JsException>,
    /// `audit`, `security`, `performance` or `business`.
    pub log_type: Option<String>,
    pub location: Option<JsLocation>,
    pub stack_trace: Option<String>,
    /// Only for replaying golden records; the schema stage sets these.
    pub schema_errors: Option<Vec<String>>,
}

/// What a channel needs on the hot path, shared with its handle.
pub struct ChannelCore {
    logger: Arc<Logger>,
    name: String,
    /// The child bindings' JSON object text, without its braces.
    bindings: Option<String>,
}

impl ChannelCore {
    /// A pooled record; its fields follow with `set_fields`.
    pub fn record(&self, level: u32, message: &str, context: Option<&Arc<Context>>) -> Box<Record> {
        let mut rec = self
            .logger
            .record(Level::from_number(level as i64), &self.name, message);
        if let Some(c) = context {
            rec.set_context(c);
        }
        rec
    }

    /// The record's caller JSON: the child bindings' members and the
    /// call's fields, spliced into the record's reused buffer.
    pub fn set_fields(&self, rec: &mut Record, fields: Option<&str>) {
        if self.bindings.is_some() || fields.is_some() {
            splice(self.bindings.as_deref(), fields, rec.raw_fields_mut());
        }
    }

    /// Enqueues a record. A logger that was shut down counts it as
    /// dropped rather than failing the caller; only a schema violation
    /// under policy `strict` is the caller's error.
    pub fn push(&self, rec: impl Into<Box<Record>>) -> logfort_core::Result<()> {
        match self.logger.log(rec) {
            Err(logfort_core::Error::Shutdown) => Ok(()),
            other => other,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn config(&self) -> &Config {
        self.logger.config()
    }
}

#[napi]
pub struct Channel {
    core: Arc<ChannelCore>,
}

#[napi]
impl Channel {
    /// `bindings`: a JSON object text serialised once when the child is
    /// made; its members precede each record's own fields.
    #[napi(constructor)]
    pub fn new(logger: &NativeLogger, name: String, bindings: Option<String>) -> Self {
        let bindings = bindings.and_then(|b| {
            let t = b.trim();
            let inner = t.strip_prefix('{')?.strip_suffix('}')?.trim();
            (!inner.is_empty()).then(|| inner.to_owned())
        });
        Channel {
            core: Arc::new(ChannelCore {
                logger: logger.inner.clone(),
                name,
                bindings,
            }),
        }
    }

    #[napi(getter)]
    pub fn name(&self) -> String {
        self.core.name.clone()
    }

    pub(crate) fn core(&self) -> &ChannelCore {
        &self.core
    }

    /// The handle `logFunction()`'s function takes (made once per logger).
    #[napi(ts_return_type = "object")]
    pub fn handle(&self, env: &Env) -> Result<Unknown<'static>> {
        hot::channel_handle(env, self.core.clone())
    }

    /// A record with the parts only some have: time, exception, type.
    #[napi]
    pub fn log_extra(
        &self,
        level: u32,
        message: String,
        fields: Option<String>,
        context: Option<&NativeContext>,
        extra: Extra,
    ) -> Result<()> {
        let mut rec = self.core.record(level, &message, context.map(|c| &c.inner));
        self.core.set_fields(&mut rec, fields.as_deref());
        if let Some(t) = extra.time.filter(|t| t.is_finite() && *t >= 0.0) {
            rec.time = UNIX_EPOCH + Duration::from_micros((t * 1000.0).round() as u64);
        }
        if let Some(e) = extra.exception {
            rec.exception = Some(Box::new(Exception {
                type_name: e.type_name,
                message: e.message,
                traceback: e.traceback,
                code: e.code,
            }));
        }
        rec.log_type = extra.log_type.as_deref().and_then(LogType::parse);
        rec.location = extra.location.map(|l| {
            Box::new(Location {
                file: l.file,
                line: l.line,
                function: l.function,
            })
        });
        rec.stack_trace = extra.stack_trace;
        rec.schema_errors = extra.schema_errors.unwrap_or_default();
        self.core.push(rec).map_err(to_js)
    }
}

/// One JSON object text from the bindings' members and the record's
/// fields object, without parsing either (the writer parses once),
/// written to `out`.
fn splice(bindings: Option<&str>, fields: Option<&str>, out: &mut String) {
    let Some(b) = bindings else {
        out.push_str(fields.unwrap_or("{}"));
        return;
    };
    let Some(f) = fields else {
        out.extend(["{", b, "}"]);
        return;
    };
    let rest = f.trim_start().strip_prefix('{').map(str::trim_start);
    match rest {
        Some(r) if r.starts_with('}') => out.extend(["{", b, "}"]),
        Some(r) => out.extend(["{", b, ",", r]),
        // Not an object: keep it whole under `fields`.
        None => out.extend(["{", b, ",\"fields\":", f, "}"]),
    }
}

#[cfg(test)]
mod tests {
    use super::splice;

    fn spliced(bindings: Option<&str>, fields: Option<&str>) -> String {
        let mut out = String::from("left over");
        out.clear();
        splice(bindings, fields, &mut out);
        out
    }

    #[test]
    fn bindings_precede_fields() {
        assert_eq!(spliced(None, Some("{\"a\":1}")), "{\"a\":1}");
        assert_eq!(spliced(Some("\"b\":2"), None), "{\"b\":2}");
        assert_eq!(
            spliced(Some("\"b\":2"), Some("{\"a\":1}")),
            "{\"b\":2,\"a\":1}"
        );
        assert_eq!(spliced(Some("\"b\":2"), Some("{ }")), "{\"b\":2}");
        assert_eq!(
            spliced(Some("\"b\":2"), Some("[1]")),
            "{\"b\":2,\"fields\":[1]}"
        );
    }
}
