//! The one numeric level scale shared by every language (Python's), and the
//! mappings from and to the scales other ecosystems use. Every binding maps
//! levels here, never on its own.

use std::fmt;
use std::str::FromStr;

/// Log level on Python's numeric scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Level {
    Trace = 5,
    Debug = 10,
    Info = 20,
    Notice = 25,
    Warning = 30,
    Error = 40,
    Critical = 50,
}

impl Level {
    pub const ALL: [Level; 7] = [
        Level::Trace,
        Level::Debug,
        Level::Info,
        Level::Notice,
        Level::Warning,
        Level::Error,
        Level::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Notice => "NOTICE",
            Level::Warning => "WARNING",
            Level::Error => "ERROR",
            Level::Critical => "CRITICAL",
        }
    }

    pub fn number(self) -> u8 {
        self as u8
    }

    /// Any number on Python's scale: custom levels round down to the
    /// nearest named level (e.g. 35 is a WARNING), below 5 is TRACE.
    #[inline]
    pub fn from_number(n: i64) -> Level {
        match n {
            50.. => Level::Critical,
            40..=49 => Level::Error,
            30..=39 => Level::Warning,
            25..=29 => Level::Notice,
            20..=24 => Level::Info,
            10..=19 => Level::Debug,
            _ => Level::Trace,
        }
    }

    /// Winston's npm levels (and pino's names for the same ideas).
    pub fn from_winston(name: &str) -> Option<Level> {
        Some(match name.to_ascii_lowercase().as_str() {
            "silly" | "trace" => Level::Trace,
            "debug" | "verbose" => Level::Debug,
            "http" | "info" => Level::Info,
            "notice" => Level::Notice,
            "warn" | "warning" => Level::Warning,
            "error" => Level::Error,
            "fatal" | "crit" | "critical" | "alert" | "emerg" => Level::Critical,
            _ => return None,
        })
    }

    /// RFC 5424 severity (0 emergency .. 7 debug).
    pub fn from_syslog(severity: u8) -> Option<Level> {
        Some(match severity {
            0..=2 => Level::Critical,
            3 => Level::Error,
            4 => Level::Warning,
            5 => Level::Notice,
            6 => Level::Info,
            7 => Level::Debug,
            _ => return None,
        })
    }

    pub fn to_syslog(self) -> u8 {
        match self {
            Level::Critical => 2,
            Level::Error => 3,
            Level::Warning => 4,
            Level::Notice => 5,
            Level::Info => 6,
            Level::Debug | Level::Trace => 7,
        }
    }

    /// OpenTelemetry SeverityNumber (1..=24, four per band).
    pub fn from_otel(n: u8) -> Option<Level> {
        Some(match n {
            1..=4 => Level::Trace,
            5..=8 => Level::Debug,
            9 => Level::Info,
            10..=12 => Level::Notice,
            13..=16 => Level::Warning,
            17..=20 => Level::Error,
            21..=24 => Level::Critical,
            _ => return None,
        })
    }

    pub fn to_otel(self) -> u8 {
        match self {
            Level::Trace => 1,
            Level::Debug => 5,
            Level::Info => 9,
            Level::Notice => 10,
            Level::Warning => 13,
            Level::Error => 17,
            Level::Critical => 21,
        }
    }

    /// Google Cloud Logging LogSeverity names.
    pub fn to_gcp(self) -> &'static str {
        match self {
            Level::Trace | Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Notice => "NOTICE",
            Level::Warning => "WARNING",
            Level::Error => "ERROR",
            Level::Critical => "CRITICAL",
        }
    }

    pub fn from_gcp(name: &str) -> Option<Level> {
        Some(match name {
            "DEFAULT" | "DEBUG" => Level::Debug,
            "INFO" => Level::Info,
            "NOTICE" => Level::Notice,
            "WARNING" => Level::Warning,
            "ERROR" => Level::Error,
            "CRITICAL" | "ALERT" | "EMERGENCY" => Level::Critical,
            _ => return None,
        })
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parses the names users type in configuration: any case, Python and
/// Winston spellings, or a number on the shared scale.
impl FromStr for Level {
    type Err = ();
    fn from_str(s: &str) -> Result<Level, ()> {
        if let Ok(n) = s.trim().parse::<i64>() {
            return Ok(Level::from_number(n));
        }
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "trace" => Level::Trace,
            "debug" => Level::Debug,
            "info" => Level::Info,
            "notice" => Level::Notice,
            "warning" | "warn" => Level::Warning,
            "error" => Level::Error,
            "critical" | "fatal" => Level::Critical,
            other => return Level::from_winston(other).ok_or(()),
        })
        .ok_or(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_numbers_round_down_to_named_levels() {
        assert_eq!(Level::from_number(0), Level::Trace);
        assert_eq!(Level::from_number(10), Level::Debug);
        assert_eq!(Level::from_number(15), Level::Debug);
        assert_eq!(Level::from_number(25), Level::Notice);
        assert_eq!(Level::from_number(35), Level::Warning);
        assert_eq!(Level::from_number(50), Level::Critical);
        assert_eq!(Level::from_number(99), Level::Critical);
        for l in Level::ALL {
            assert_eq!(Level::from_number(l.number() as i64), l);
        }
        // Every number: the highest named level not above it.
        for n in -3..=70 {
            let below = Level::ALL.iter().rev().find(|l| n >= l.number() as i64);
            assert_eq!(
                Level::from_number(n),
                *below.unwrap_or(&Level::Trace),
                "{n}"
            );
        }
        assert_eq!(Level::from_number(i64::MIN), Level::Trace);
        assert_eq!(Level::from_number(i64::MAX), Level::Critical);
    }

    #[test]
    fn winston_levels_map_onto_the_scale() {
        let got: Vec<_> = ["error", "warn", "info", "http", "verbose", "debug", "silly"]
            .iter()
            .map(|n| Level::from_winston(n).unwrap().number())
            .collect();
        assert_eq!(got, [40, 30, 20, 20, 10, 10, 5]);
        assert_eq!(Level::from_winston("nope"), None);
    }

    #[test]
    fn syslog_round_trip_and_bounds() {
        for l in [
            Level::Debug,
            Level::Info,
            Level::Notice,
            Level::Warning,
            Level::Error,
            Level::Critical,
        ] {
            assert_eq!(Level::from_syslog(l.to_syslog()), Some(l));
        }
        assert_eq!(Level::Trace.to_syslog(), 7);
        assert_eq!(Level::from_syslog(0), Some(Level::Critical));
        assert_eq!(Level::from_syslog(8), None);
    }

    #[test]
    fn otel_severity_numbers() {
        let got: Vec<u8> = Level::ALL.iter().map(|l| l.to_otel()).collect();
        assert_eq!(got, [1, 5, 9, 10, 13, 17, 21]);
        for l in Level::ALL {
            assert_eq!(Level::from_otel(l.to_otel()), Some(l));
        }
        assert_eq!(Level::from_otel(24), Some(Level::Critical));
        assert_eq!(Level::from_otel(0), None);
        assert_eq!(Level::from_otel(25), None);
    }

    #[test]
    fn gcp_severity_names() {
        let got: Vec<&str> = Level::ALL.iter().map(|l| l.to_gcp()).collect();
        assert_eq!(
            got,
            ["DEBUG", "DEBUG", "INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL"]
        );
        assert_eq!(Level::from_gcp("EMERGENCY"), Some(Level::Critical));
        assert_eq!(Level::from_gcp("info"), None);
    }

    #[test]
    fn names_users_type() {
        assert_eq!("WARN".parse::<Level>(), Ok(Level::Warning));
        assert_eq!("fatal".parse::<Level>(), Ok(Level::Critical));
        assert_eq!("verbose".parse::<Level>(), Ok(Level::Debug));
        assert_eq!("20".parse::<Level>(), Ok(Level::Info));
        assert_eq!("loud".parse::<Level>(), Err(()));
    }
}
