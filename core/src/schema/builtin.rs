//! The built-in schemas, written in the same subset as custom ones so
//! that one checker and one message style serve both.
//!
//! - `base`, every record: the id fields are strings, `duration_ms` is a
//!   number ≥ 0, `client_ip` an IP address, `success` a boolean.
//! - `audit`: action, resource_type, resource_id, user_id and result are
//!   required strings; `client_ip`, when present, an IP address.
//! - `security`: security_event, severity (info, warning or critical),
//!   client_ip (an IP address) and user_id are required.
//! - `performance`: operation, duration_ms (≥ 0) and success are required.
//! - `business`: event is a required string.

use super::subset::Node;
use crate::record::LogType;

pub const BASE: &str = r#"{"properties": {
    "correlation_id": {"type": "string"},
    "request_id": {"type": "string"},
    "trace_id": {"type": "string"},
    "span_id": {"type": "string"},
    "user_id": {"type": "string"},
    "session_id": {"type": "string"},
    "duration_ms": {"type": "number", "minimum": 0},
    "client_ip": {"type": "string", "format": "ip"},
    "success": {"type": "boolean"}}}"#;

pub const AUDIT: &str = r#"{
    "required": ["action", "resource_type", "resource_id", "user_id", "result"],
    "properties": {
        "action": {"type": "string"},
        "resource_type": {"type": "string"},
        "resource_id": {"type": "string"},
        "user_id": {"type": "string"},
        "result": {"type": "string"},
        "client_ip": {"type": "string", "format": "ip"}}}"#;

pub const SECURITY: &str = r#"{
    "required": ["security_event", "severity", "client_ip", "user_id"],
    "properties": {
        "security_event": {"type": "string"},
        "severity": {"enum": ["info", "warning", "critical"]},
        "client_ip": {"type": "string", "format": "ip"},
        "user_id": {"type": "string"}}}"#;

pub const PERFORMANCE: &str = r#"{
    "required": ["operation", "duration_ms", "success"],
    "properties": {
        "operation": {"type": "string"},
        "duration_ms": {"type": "number", "minimum": 0},
        "success": {"type": "boolean"}}}"#;

pub const BUSINESS: &str = r#"{
    "required": ["event"],
    "properties": {"event": {"type": "string"}}}"#;

/// Names custom schemas may not take.
pub const NAMES: [&str; 5] = ["base", "audit", "security", "performance", "business"];

/// The base schema and the one per record type, compiled.
pub struct Builtin {
    pub base: Node,
    /// Indexed by `type_index`.
    pub types: [Node; 4],
}

/// The record types, in `type_index` order.
pub const TYPES: [LogType; 4] = [
    LogType::Audit,
    LogType::Security,
    LogType::Performance,
    LogType::Business,
];

pub fn type_index(t: LogType) -> usize {
    match t {
        LogType::Audit => 0,
        LogType::Security => 1,
        LogType::Performance => 2,
        LogType::Business => 3,
    }
}

impl Default for Builtin {
    fn default() -> Builtin {
        let c = |name: &str, text: &str| {
            Node::from_json(name, text).unwrap_or_else(|e| panic!("built-in schema {name}: {e}"))
        };
        Builtin {
            base: c("base", BASE),
            types: [
                c("audit", AUDIT),
                c("security", SECURITY),
                c("performance", PERFORMANCE),
                c("business", BUSINESS),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_schema_compiles() {
        let b = Builtin::default();
        assert_eq!(b.base.properties.len(), 9);
        assert_eq!(b.types[type_index(LogType::Security)].required.len(), 4);
        assert_eq!(
            b.types[type_index(LogType::Performance)].required,
            ["operation", "duration_ms", "success"]
        );
    }
}
