//! Security monitor: windowed thresholds over security events, such as
//! five `failed_login` from one `client_ip` within five minutes. When a
//! rule's threshold is reached it emits one `security_alert` record
//! (ERROR, log_type security) naming the rule, the event, the key, the
//! count and the window, then stays quiet for that key for one window.
//!
//! It runs as the last writer stage and sees every record that reached
//! it; time is the records' own capture time, so a test (or a replay)
//! controls the clock through the records it logs. The alert reaches the
//! sinks through `Stage::drain_extra`, after the record that raised it,
//! and passes the other stages (masking) like any record.
//!
//! Configuration, section `monitor`:
//! `{"rules": [{"name": "brute_force", "event": "failed_login",
//!   "key": "client_ip", "threshold": 5, "window_seconds": 300}]}`.
//! A record matches a rule when its `security_event` (or `event`) field
//! is the rule's event; it is counted under the value of the rule's key
//! field (from the record, else its bound context). Records without that
//! field are not counted.

use crate::config::doc::Section;
use crate::error::Result;
use crate::level::Level;
use crate::metrics::{Report, Sample};
use crate::record::{LogType, Record, Value};
use crate::writer::Stage;
use parking_lot::Mutex;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Logger name of the alerts; the monitor never counts its own records.
pub const ALERT_LOGGER: &str = "logfort.monitor";

#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub name: String,
    pub event: String,
    pub key: String,
    pub threshold: u32,
    pub window: Duration,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct MonitorConfig {
    pub rules: Vec<Rule>,
}

impl MonitorConfig {
    pub fn parse(mut s: Section<'_>) -> Result<MonitorConfig> {
        let mut rules = Vec::new();
        let base = s.path_of("rules");
        for (i, v) in s.array("rules")?.into_iter().flatten().enumerate() {
            let mut r = Section::new(&format!("{base}[{i}]"), v)?;
            let required = |r: &Section<'_>, key: &str, what: &str| {
                r.error(key, &serde_json::Value::Null, what)
            };
            let name = r.string("name")?.filter(|n| !n.is_empty());
            let name = name.ok_or_else(|| required(&r, "name", "a rule name"))?;
            if rules.iter().any(|x: &Rule| x.name == name) {
                return Err(r.error("name", &name.as_str().into(), "a name no other rule has"));
            }
            let event = r.string("event")?.filter(|n| !n.is_empty());
            let event = event.ok_or_else(|| {
                required(&r, "event", "the event to count, e.g. \"failed_login\"")
            })?;
            let key = match r.string("key")? {
                Some(k) if k.is_empty() => return Err(r.error("key", &"".into(), "a field name")),
                k => k.unwrap_or_else(|| "client_ip".into()),
            };
            let threshold = r.uint("threshold", 1, 1_000_000)?;
            let threshold = threshold
                .ok_or_else(|| required(&r, "threshold", "a whole number from 1 to 1000000"))?;
            let window = match r.get("window_seconds") {
                Some(v) => match v.as_f64() {
                    Some(n) if n > 0.0 && n <= 31_536_000.0 => Duration::from_secs_f64(n),
                    _ => {
                        return Err(r.error(
                            "window_seconds",
                            v,
                            "a number of seconds above 0, at most a year",
                        ))
                    }
                },
                None => {
                    return Err(required(
                        &r,
                        "window_seconds",
                        "a number of seconds above 0",
                    ))
                }
            };
            r.finish()?;
            rules.push(Rule {
                name,
                event,
                key,
                threshold: threshold as u32,
                window,
            });
        }
        s.finish()?;
        Ok(MonitorConfig { rules })
    }
}

/// Events of one (rule, key value) inside the window.
#[derive(Default)]
struct Window {
    times: VecDeque<SystemTime>,
    quiet_until: Option<SystemTime>,
}

/// Sweep expired windows after this many counted records.
const SWEEP_EVERY: u64 = 4096;

pub struct Monitor {
    rules: Vec<Rule>,
    windows: HashMap<(usize, String), Window>,
    pending: Vec<Record>,
    counted: u64,
    alerts: Arc<Alerts>,
}

/// Alerts raised, per rule, for `Logger::metrics`.
pub struct Alerts {
    by_rule: Mutex<Vec<(String, u64)>>,
}

impl Report for Alerts {
    fn report(&self, out: &mut Vec<Sample>) {
        for (rule, n) in self.by_rule.lock().iter() {
            out.push(Sample {
                name: "logfort_security_alerts_total",
                help: "security_alert records raised by the monitor, by rule",
                labels: vec![("rule", rule.clone())],
                value: *n,
            });
        }
    }
}

fn key_value(rec: &Record, key: &str) -> Option<String> {
    let text = |v: &Value| match v {
        Value::Str(s) => Some(s.clone()),
        Value::Int(_) | Value::UInt(_) | Value::Float(_) | Value::Bool(_) => {
            let mut out = Vec::new();
            crate::encode::write::value(&mut out, v);
            String::from_utf8(out).ok()
        }
        _ => None,
    };
    if let Some(v) = rec.get(key) {
        return text(v);
    }
    let c = rec.context.as_deref()?;
    match key {
        "user_id" => c.user_id.clone(),
        "session_id" => c.session_id.clone(),
        _ => c
            .fields
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| text(v)),
    }
}

impl Monitor {
    /// A monitor for the configured rules; `None` when there are none.
    pub fn for_config(config: &MonitorConfig) -> Option<Monitor> {
        if config.rules.is_empty() {
            return None;
        }
        Some(Monitor {
            alerts: Arc::new(Alerts {
                by_rule: Mutex::new(config.rules.iter().map(|r| (r.name.clone(), 0)).collect()),
            }),
            rules: config.rules.clone(),
            windows: HashMap::new(),
            pending: Vec::new(),
            counted: 0,
        })
    }

    pub fn alerts(&self) -> Arc<Alerts> {
        self.alerts.clone()
    }

    /// Counts one record; queues an alert when a threshold is reached.
    pub fn observe(&mut self, rec: &Record) {
        if rec.logger == ALERT_LOGGER {
            return;
        }
        let event = match rec.get("security_event").or_else(|| rec.get("event")) {
            Some(Value::Str(e)) => e.as_str(),
            _ => return,
        };
        let now = rec.time;
        for (i, rule) in self.rules.iter().enumerate() {
            if rule.event != event {
                continue;
            }
            let Some(value) = key_value(rec, &rule.key) else {
                continue;
            };
            self.counted += 1;
            let w = self.windows.entry((i, value.clone())).or_default();
            let start = now
                .checked_sub(rule.window)
                .unwrap_or(SystemTime::UNIX_EPOCH);
            while w.times.front().is_some_and(|t| *t <= start) {
                w.times.pop_front();
            }
            w.times.push_back(now);
            if w.quiet_until.is_some_and(|q| now < q) || w.times.len() < rule.threshold as usize {
                continue;
            }
            w.quiet_until = Some(now + rule.window);
            let count = w.times.len() as u64;
            self.pending.push(alert(rule, &value, count, rec));
            if let Some(slot) = self.alerts.by_rule.lock().get_mut(i) {
                slot.1 += 1;
            }
        }
        if self.counted.is_multiple_of(SWEEP_EVERY) {
            self.sweep(now);
        }
    }

    /// Forgets keys whose window and quiet time are both over.
    fn sweep(&mut self, now: SystemTime) {
        let rules = &self.rules;
        self.windows.retain(|(i, _), w| {
            let start = now
                .checked_sub(rules[*i].window)
                .unwrap_or(SystemTime::UNIX_EPOCH);
            w.times.back().is_some_and(|t| *t > start) || w.quiet_until.is_some_and(|q| now < q)
        });
    }

    /// Keys being tracked (for tests of the sweep).
    pub fn tracked(&self) -> usize {
        self.windows.len()
    }
}

fn alert(rule: &Rule, value: &str, count: u64, trigger: &Record) -> Record {
    let secs = rule.window.as_secs_f64();
    let mut a = Record::new(
        Level::Error,
        ALERT_LOGGER,
        format!(
            "security alert: {}: {count} {} from {}={value} within {secs}s",
            rule.name, rule.event, rule.key
        ),
    );
    a.time = trigger.time;
    a.context = trigger.context.clone();
    a.log_type = Some(LogType::Security);
    a.fields = vec![
        ("security_event".into(), "security_alert".into()),
        ("severity".into(), "critical".into()),
        ("rule".into(), rule.name.as_str().into()),
        ("trigger_event".into(), rule.event.as_str().into()),
        ("key".into(), rule.key.as_str().into()),
        (rule.key.clone(), value.into()),
    ];
    // Who and where from, as the security schema asks, from the record
    // that crossed the threshold.
    for k in ["client_ip", "user_id"] {
        if k != rule.key {
            if let Some(v) = key_value(trigger, k) {
                a.fields.push((k.into(), v.into()));
            }
        }
    }
    a.fields.extend([
        ("count".into(), count.into()),
        ("threshold".into(), Value::from(rule.threshold)),
        ("window_seconds".into(), Value::Float(secs)),
    ]);
    a
}

impl Stage for Monitor {
    fn apply(&mut self, rec: &mut Record) -> bool {
        self.observe(rec);
        true
    }

    fn drain_extra(&mut self, out: &mut Vec<Record>) {
        out.append(&mut self.pending);
    }
}

#[cfg(test)]
mod tests;
