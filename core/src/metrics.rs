//! Counters of what the pipeline did, as labelled samples that render to
//! the Prometheus text format. Each subsystem reports its own.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub name: &'static str,
    pub help: &'static str,
    pub labels: Vec<(&'static str, String)>,
    pub value: u64,
}

/// A subsystem that contributes samples to `Logger::metrics`.
pub trait Report: Send + Sync {
    fn report(&self, out: &mut Vec<Sample>);
}

/// A snapshot of every counter of one logger.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Metrics {
    pub samples: Vec<Sample>,
}

impl Metrics {
    /// The value of `name` whose labels include every pair of `labels`
    /// (summed over the others); 0 when absent.
    pub fn get(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
        self.samples
            .iter()
            .filter(|s| s.name == name)
            .filter(|s| {
                labels
                    .iter()
                    .all(|(k, v)| s.labels.iter().any(|(sk, sv)| sk == k && sv == v))
            })
            .map(|s| s.value)
            .sum()
    }

    /// Prometheus text exposition format (version 0.0.4).
    pub fn to_prometheus(&self) -> String {
        let mut out = String::new();
        let mut seen: Vec<&str> = Vec::new();
        for s in &self.samples {
            if !seen.contains(&s.name) {
                seen.push(s.name);
                let kind = if s.name.ends_with("_total") {
                    "counter"
                } else {
                    "gauge"
                };
                let _ = writeln!(
                    out,
                    "# HELP {} {}\n# TYPE {} {kind}",
                    s.name, s.help, s.name
                );
                for t in self.samples.iter().filter(|t| t.name == s.name) {
                    out.push_str(t.name);
                    if !t.labels.is_empty() {
                        out.push('{');
                        for (i, (k, v)) in t.labels.iter().enumerate() {
                            let v = v
                                .replace('\\', "\\\\")
                                .replace('"', "\\\"")
                                .replace('\n', "\\n");
                            let _ = write!(out, "{}{k}=\"{v}\"", if i > 0 { "," } else { "" });
                        }
                        out.push('}');
                    }
                    let _ = writeln!(out, " {}", t.value);
                }
            }
        }
        out
    }
}

/// The pipeline's own counters.
#[derive(Debug, Default)]
pub struct Counters {
    pub written: AtomicU64,
    pub dropped_queue_full: AtomicU64,
    pub dropped_shutdown: AtomicU64,
    pub dropped_policy: AtomicU64,
    /// Queue-full drops not yet announced by a `logfort.dropped` record.
    pub dropped_unreported: AtomicU64,
    pub queue_depth: AtomicU64,
}

impl Report for Counters {
    fn report(&self, out: &mut Vec<Sample>) {
        const DROPPED: &str = "Records not written, by reason";
        out.push(Sample {
            name: "logfort_records_written_total",
            help: "Records encoded and handed to their sinks",
            labels: vec![],
            value: self.written.load(Relaxed),
        });
        for (reason, c) in [
            ("queue_full", &self.dropped_queue_full),
            ("shutdown", &self.dropped_shutdown),
            ("policy", &self.dropped_policy),
        ] {
            out.push(Sample {
                name: "logfort_records_dropped_total",
                help: DROPPED,
                labels: vec![("reason", reason.into())],
                value: c.load(Relaxed),
            });
        }
        out.push(Sample {
            name: "logfort_queue_depth",
            help: "Records waiting for the writer",
            labels: vec![],
            value: self.queue_depth.load(Relaxed),
        });
    }
}

/// Per-sink health, shared between the writer (which counts) and the
/// logger (which reports).
#[derive(Debug)]
pub struct SinkStats {
    pub name: String,
    pub errors: AtomicU64,
    pub dropped: AtomicU64,
}

impl Report for Vec<SinkStats> {
    fn report(&self, out: &mut Vec<Sample>) {
        for s in self {
            out.push(Sample {
                name: "logfort_sink_errors_total",
                help: "Write errors, by sink",
                labels: vec![("sink", s.name.clone())],
                value: s.errors.load(Relaxed),
            });
            out.push(Sample {
                name: "logfort_sink_dropped_total",
                help: "Records a sink failed to write, by sink",
                labels: vec![("sink", s.name.clone())],
                value: s.dropped.load(Relaxed),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prometheus_text_groups_by_name_and_escapes_labels() {
        let m = Metrics {
            samples: vec![
                Sample {
                    name: "a_total",
                    help: "A",
                    labels: vec![("k", "x\"y".into())],
                    value: 2,
                },
                Sample {
                    name: "b",
                    help: "B",
                    labels: vec![],
                    value: 7,
                },
                Sample {
                    name: "a_total",
                    help: "A",
                    labels: vec![("k", "z".into())],
                    value: 3,
                },
            ],
        };
        assert_eq!(
            m.to_prometheus(),
            "# HELP a_total A\n# TYPE a_total counter\na_total{k=\"x\\\"y\"} 2\na_total{k=\"z\"} 3\n\
             # HELP b B\n# TYPE b gauge\nb 7\n"
        );
        assert_eq!(m.get("a_total", &[]), 5);
        assert_eq!(m.get("a_total", &[("k", "z")]), 3);
        assert_eq!(m.get("nope", &[]), 0);
    }
}
