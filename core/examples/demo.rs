//! A few records of each level to stdout (human text when stdout is a
//! terminal) and to logs/app.log (JSON lines), with a correlation id.

use logfort_core::{context, Config, Level, Logger, Record};
use std::time::Duration;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::load(Some(
        r#"{"level": "trace", "service": "demo", "environment": "development",
            "sinks": [{"type": "stdout", "format": "text"},
                      {"type": "file", "path": "logs/app.log"}]}"#,
    ))?;
    let logger = Logger::new(config)?;
    context::update_current(|c| {
        c.set("correlation_id", "demo-7f3a");
        c.set("user_id", "u-123");
    });
    for level in Level::ALL {
        logger.log(
            Record::new(
                level,
                "demo.app",
                format!("a {} record", level.as_str().to_lowercase()),
            )
            .field("level_number", level.number())
            .field("request_path", "/api/v1/login"),
        )?;
    }
    logger.log(
        Record::new(Level::Info, "demo.app", "request done")
            .field("duration_ms", 12.5)
            .field("status", 200),
    )?;
    logger.flush(Duration::from_secs(5))?;
    let m = logger.metrics();
    eprintln!(
        "\ndemo: {} records written to stdout and logs/app.log",
        m.get("logfort_records_written_total", &[])
    );
    Ok(())
}
