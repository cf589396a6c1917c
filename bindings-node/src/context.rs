//! `NativeContext`: one immutable correlation context (`Arc<Context>`)
//! held by an AsyncLocalStorage scope in JS. Every record logged in the
//! scope passes this handle, so the ids cross the boundary by reference,
//! not re-serialised per record.

use logfort_core::{Context, Value};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use std::sync::Arc;

#[napi]
pub struct NativeContext {
    pub(crate) inner: Arc<Context>,
}

/// Members of a JSON object text; anything else is no members.
fn members(json: &str) -> Vec<(String, Value)> {
    match Value::parse_json(json) {
        Value::Object(m) => m,
        _ => Vec::new(),
    }
}

#[napi]
impl NativeContext {
    /// A context from the incoming request headers, by the core's rules:
    /// a valid correlation id is kept, a hostile one replaced (and
    /// flagged), an absent one taken from a valid `traceparent` or
    /// generated; a valid `traceparent` sets the trace and span ids.
    #[napi(factory)]
    pub fn from_headers(correlation_id: Option<String>, traceparent: Option<String>) -> Self {
        let ctx = Context::from_headers(correlation_id.as_deref(), traceparent.as_deref());
        NativeContext {
            inner: Arc::new(ctx),
        }
    }

    /// `parent` (if any) with the members of a JSON object bound on top:
    /// the id names set the id slots (a correlation id is validated),
    /// anything else becomes a bound field.
    #[napi(factory)]
    pub fn bind(parent: Option<&NativeContext>, fields_json: String) -> Self {
        let mut ctx = parent.map(|p| (*p.inner).clone()).unwrap_or_default();
        for (k, v) in members(&fields_json) {
            match v {
                Value::Str(s) => ctx.set(&k, &s),
                Value::Null => ctx.remove(&k),
                other => {
                    ctx.fields.retain(|(fk, _)| *fk != k);
                    ctx.fields.push((k, other));
                }
            }
        }
        NativeContext {
            inner: Arc::new(ctx),
        }
    }

    /// A context exactly as described, nothing validated: only for
    /// replaying golden records (ids, `trace_flags`,
    /// `correlation_id_rejected`, bound `fields`). Not exported by the
    /// package; applications bind through `context.run`.
    #[napi(factory)]
    pub fn exact(json: String) -> Self {
        let mut ctx = Context::default();
        for (k, v) in members(&json) {
            match (k.as_str(), v) {
                ("correlation_id", Value::Str(s)) => ctx.correlation_id = Some(s),
                ("correlation_id_rejected", Value::Bool(b)) => ctx.correlation_id_rejected = b,
                ("request_id", Value::Str(s)) => ctx.request_id = Some(s),
                ("trace_id", Value::Str(s)) => ctx.trace_id = Some(s),
                ("span_id", Value::Str(s)) => ctx.span_id = Some(s),
                ("trace_flags", Value::Int(n)) => ctx.trace_flags = u8::try_from(n).ok(),
                ("user_id", Value::Str(s)) => ctx.user_id = Some(s),
                ("session_id", Value::Str(s)) => ctx.session_id = Some(s),
                ("fields", Value::Object(m)) => ctx.fields = m,
                (_, v) => ctx.fields.push((k, v)),
            }
        }
        NativeContext {
            inner: Arc::new(ctx),
        }
    }

    /// The context as a JSON object text (ids first, then bound fields),
    /// for `context.get()`.
    #[napi]
    pub fn to_json(&self) -> String {
        let c = &*self.inner;
        let mut out: Vec<(String, Value)> = Vec::new();
        let ids = [
            ("correlation_id", &c.correlation_id),
            ("request_id", &c.request_id),
            ("trace_id", &c.trace_id),
            ("span_id", &c.span_id),
            ("user_id", &c.user_id),
            ("session_id", &c.session_id),
        ];
        for (k, v) in ids {
            if let Some(v) = v {
                out.push((k.to_owned(), Value::Str(v.clone())));
            }
        }
        if c.correlation_id_rejected {
            out.push(("correlation_id_rejected".to_owned(), Value::Bool(true)));
        }
        out.extend(c.fields.iter().cloned());
        let mut buf = Vec::with_capacity(128);
        logfort_core::encode::write::value(&mut buf, &Value::Object(out));
        String::from_utf8(buf).unwrap_or_default()
    }

    /// The handle `logFunction()`'s function takes (made once per scope).
    #[napi(ts_return_type = "object")]
    pub fn handle(&self, env: &Env) -> Result<Unknown<'static>> {
        crate::hot::context_handle(env, self.inner.clone())
    }

    #[napi(getter)]
    pub fn correlation_id(&self) -> Option<String> {
        self.inner.correlation_id.clone()
    }
}
