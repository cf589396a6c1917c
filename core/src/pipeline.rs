//! What happens to a record after the queue, built once from the
//! configuration and shared by the writer thread and the synchronous
//! `Formatter`: resolve caller JSON, run the stages, encode.

use crate::config::Config;
use crate::encode::{self, Encoder, Format};
use crate::error::Result;
use crate::mask::{MaskStage, Masker};
use crate::metrics::Report;
use crate::record::Record;
use crate::schema::{SchemaStage, Validator};
use crate::writer::Stage;
use std::sync::Arc;

/// The stages of a pipeline and the counters they report.
pub(crate) type Stages = (Vec<Box<dyn Stage>>, Vec<Arc<dyn Report>>);

/// The stages a configuration asks for, in order (validation before
/// masking), and the counters they report.
pub(crate) fn stages(config: &Config) -> Result<Stages> {
    let masker = crate::mask::for_config(&config.mask)?;
    stages_with_schema(config, Validator::for_config(&config.schema), masker)
}

/// As `stages`, with the schema validator and the masker the caller
/// already built (the logger keeps them: the validator to validate on the
/// caller under policy `strict`, the masker for `Logger::mask`).
pub(crate) fn stages_with_schema(
    config: &Config,
    schema: Option<Arc<Validator>>,
    masker: Option<Arc<Masker>>,
) -> Result<Stages> {
    let mut stages: Vec<Box<dyn Stage>> = Vec::new();
    let mut reports: Vec<Arc<dyn Report>> = Vec::new();
    if let Some(v) = schema {
        stages.push(Box::new(SchemaStage::new(v.clone())));
        reports.push(v);
    }
    // Before masking: it counts by the real key values; its alerts pass
    // every stage, masking included.
    if let Some(m) = crate::monitor::Monitor::for_config(&config.monitor) {
        reports.push(m.alerts());
        stages.push(Box::new(m));
    }
    if let Some(m) = masker {
        stages.push(Box::new(MaskStage::new(m.clone())));
        reports.push(m);
    }
    Ok((stages, reports))
}

/// The whole pipeline on the caller's thread, for callers that keep
/// their own I/O (Python's `logfort.JSONFormatter`): same stages, same
/// encoder, same bytes as the writer would produce.
pub struct Formatter {
    stages: Vec<Box<dyn Stage>>,
    encoder: Box<dyn Encoder>,
    reports: Vec<Arc<dyn Report>>,
}

impl Formatter {
    pub fn new(config: &Config) -> Result<Formatter> {
        Formatter::with_format(config, config.format)
    }

    pub fn with_format(config: &Config, format: Format) -> Result<Formatter> {
        let (stages, reports) = stages(config)?;
        Ok(Formatter {
            stages,
            encoder: encode::encoder(format, config.meta(), false),
            reports,
        })
    }

    /// The record as one line (newline included), or `None` when a stage
    /// dropped it (schema policy `drop`).
    ///
    /// Records a stage made (security alerts) follow the record's line,
    /// one line each, as the writer would write them after it.
    pub fn format(&mut self, mut rec: Record) -> Option<Vec<u8>> {
        rec.resolve_raw();
        let kept = self.stages.iter_mut().all(|stage| stage.apply(&mut rec));
        let mut out = Vec::with_capacity(256);
        if kept {
            self.encoder.encode(&rec, &mut out);
        }
        for stage in &mut self.stages {
            stage.after(&mut rec);
        }
        let mut extra = Vec::new();
        for stage in &mut self.stages {
            stage.drain_extra(&mut extra);
        }
        for rec in extra {
            out.extend(self.format(rec).unwrap_or_default());
        }
        for stage in &mut self.stages {
            stage.publish();
        }
        (!out.is_empty()).then_some(out)
    }

    /// Counters of this formatter's stages.
    pub fn metrics(&self) -> crate::Metrics {
        let mut m = crate::Metrics::default();
        for r in &self.reports {
            r.report(&mut m.samples);
        }
        m
    }
}
