//! The syslog sink against a real rsyslogd started here on 127.0.0.1:
//! every record arrives once with the RFC 5424 header fields intact, TCP
//! framing is accepted, and records logged while rsyslogd is down arrive
//! after it comes back. `make test` installs rsyslog (ci/deps.sh) and sets
//! LOGFORT_REQUIRE_RSYSLOG=1; without rsyslogd elsewhere the test says so
//! and passes.

use logfort_core::{Config, Level, Logger, Record};
use std::collections::HashMap;
use std::fs;
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn rsyslogd() -> Option<PathBuf> {
    for p in [
        "/usr/sbin/rsyslogd",
        "/sbin/rsyslogd",
        "/usr/local/sbin/rsyslogd",
    ] {
        if Path::new(p).exists() {
            return Some(p.into());
        }
    }
    if std::env::var_os("LOGFORT_REQUIRE_RSYSLOG").is_some() {
        panic!("rsyslogd is required (LOGFORT_REQUIRE_RSYSLOG) but not installed");
    }
    eprintln!("SKIPPED: rsyslogd is not installed (make test installs it)");
    None
}

fn free_tcp_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Rsyslog {
    bin: PathBuf,
    dir: PathBuf,
    tcp: u16,
    child: Option<Child>,
}

impl Rsyslog {
    fn new(bin: PathBuf, dir: &Path) -> Rsyslog {
        let tcp = free_tcp_port();
        let udp = free_udp_port();
        let work = dir.join("work");
        fs::create_dir_all(&work).unwrap();
        let d = dir.display();
        let conf = format!(
            r#"global(workDirectory="{work}")
module(load="imtcp")
module(load="imudp")
module(load="imuxsock" SysSock.Use="off")
input(type="imtcp" address="127.0.0.1" port="{tcp}")
input(type="imudp" address="127.0.0.1" port="{udp}" rcvbufSize="8m")
input(type="imuxsock" Socket="{d}/log.sock" UseSpecialParser="off" ParseHostname="on")
template(name="fields" type="string"
         string="%pri%|%hostname%|%app-name%|%procid%|%msgid%|%structured-data%|%msg%\n")
if $syslogfacility-text == "syslog" then {{
  action(type="omfile" file="{d}/internal.log")
  stop
}}
action(type="omfile" file="{d}/out.log" template="fields")
"#,
            work = work.display()
        );
        fs::write(dir.join("rsyslog.conf"), conf).unwrap();
        fs::write(dir.join("udp.port"), udp.to_string()).unwrap();
        Rsyslog {
            bin,
            dir: dir.to_owned(),
            tcp,
            child: None,
        }
    }

    fn udp(&self) -> u16 {
        fs::read_to_string(self.dir.join("udp.port"))
            .unwrap()
            .parse()
            .unwrap()
    }

    fn start(&mut self) {
        let child = Command::new(&self.bin)
            .arg("-n")
            .arg("-f")
            .arg(self.dir.join("rsyslog.conf"))
            .arg("-i")
            .arg(self.dir.join("rsyslogd.pid"))
            .stdout(Stdio::null())
            .stderr(fs::File::create(self.dir.join("stderr.log")).unwrap())
            .spawn()
            .unwrap();
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", self.tcp)).is_err()
            || !self.dir.join("log.sock").exists()
        {
            assert!(
                Instant::now() < deadline,
                "rsyslogd did not start: {}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            unsafe { libc::kill(c.id() as i32, libc::SIGTERM) };
            c.wait().unwrap();
        }
    }

    fn stderr(&self) -> String {
        fs::read_to_string(self.dir.join("stderr.log")).unwrap_or_default()
    }

    /// The received records, waiting until there are `n`.
    fn received(&self, n: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let text = fs::read_to_string(self.dir.join("out.log")).unwrap_or_default();
            // Whole lines only: rsyslog may be mid-write.
            let lines: Vec<String> = text
                .split_inclusive('\n')
                .filter_map(|l| l.strip_suffix('\n'))
                .map(str::to_owned)
                .collect();
            if lines.len() >= n || Instant::now() > deadline {
                return lines;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn internal(&self) -> String {
        fs::read_to_string(self.dir.join("internal.log")).unwrap_or_default()
    }
}

impl Drop for Rsyslog {
    fn drop(&mut self) {
        self.stop();
    }
}

fn logger(transport: &str, address: &str) -> Logger {
    let doc = serde_json::json!({
        "service": "grc-backend",
        "sinks": [{"type": "syslog", "transport": transport, "address": address,
                   "facility": "local0", "msgid": "REQ",
                   "structured_data": {"origin@32473": {"env": "test"}}}]
    });
    Logger::new(Config::from_json(&doc.to_string()).unwrap()).unwrap()
}

fn log(logger: &Logger, phase: &str, n: usize) {
    for i in 0..n {
        let level = if i.is_multiple_of(10) {
            Level::Error
        } else {
            Level::Info
        };
        logger
            .log(
                Record::new(level, "app", "syslog test")
                    .field("phase", phase)
                    .field("i", i as u64),
            )
            .unwrap();
    }
}

/// Checks every header field and returns (phase, i) → count.
fn check(lines: &[String]) -> HashMap<(String, u64), usize> {
    let pid = std::process::id().to_string();
    let mut host = [0u8; 256];
    unsafe { libc::gethostname(host.as_mut_ptr().cast(), host.len()) };
    let host =
        String::from_utf8_lossy(&host[..host.iter().position(|b| *b == 0).unwrap()]).into_owned();
    let mut seen = HashMap::new();
    for l in lines {
        let parts: Vec<&str> = l.splitn(7, '|').collect();
        assert_eq!(parts.len(), 7, "{l}");
        let rec: serde_json::Value =
            serde_json::from_str(parts[6]).unwrap_or_else(|e| panic!("{e}: {l}"));
        let i = rec["i"].as_u64().unwrap();
        let pri = if i.is_multiple_of(10) { "131" } else { "134" }; // local0 (16) * 8 + 3 / 6
        assert_eq!(
            parts[..6],
            [
                pri,
                host.as_str(),
                "grc-backend",
                pid.as_str(),
                "REQ",
                "[origin@32473 env=\"test\"]"
            ],
            "{l}"
        );
        assert_eq!(rec["message"], "syslog test");
        *seen
            .entry((rec["phase"].as_str().unwrap().to_owned(), i))
            .or_insert(0) += 1;
    }
    seen
}

fn assert_once(seen: &HashMap<(String, u64), usize>, phases: &[(&str, usize)]) {
    let expected: usize = phases.iter().map(|p| p.1).sum();
    assert_eq!(seen.len(), expected, "missing records");
    for (phase, n) in phases {
        for i in 0..*n as u64 {
            assert_eq!(seen.get(&(phase.to_string(), i)), Some(&1), "{phase} {i}");
        }
    }
}

#[test]
fn tcp_octet_counting_survives_a_restart_of_rsyslogd() {
    let Some(bin) = rsyslogd() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut rs = Rsyslog::new(bin, dir.path());
    rs.start();
    let logger = logger("tcp", &format!("127.0.0.1:{}", rs.tcp));
    log(&logger, "before", 500);
    logger.flush(Duration::from_secs(10)).unwrap();
    assert_eq!(rs.received(500).len(), 500);
    rs.stop();
    log(&logger, "down", 500);
    logger.flush(Duration::from_secs(10)).unwrap();
    rs.start();
    log(&logger, "after", 500);
    let deadline = Instant::now() + Duration::from_secs(30);
    while rs.received(0).len() < 1500 && Instant::now() < deadline {
        logger.flush(Duration::from_secs(10)).unwrap();
        std::thread::sleep(Duration::from_millis(50));
    }
    logger.shutdown(Duration::from_secs(10)).unwrap();
    let lines = rs.received(1500);
    assert_eq!(lines.len(), 1500);
    assert_once(
        &check(&lines),
        &[("before", 500), ("down", 500), ("after", 500)],
    );
    assert_eq!(logger.metrics().get("logfort_sink_dropped_total", &[]), 0);
    assert!(logger.metrics().get("logfort_sink_errors_total", &[]) > 0);
    rs.stop();
    let internal = rs.internal().to_lowercase();
    assert!(
        !internal.contains("framing"),
        "rsyslog reported framing errors:\n{internal}"
    );
    assert!(
        !internal.contains("error"),
        "rsyslog reported errors:\n{internal}"
    );
}

#[test]
fn udp_and_unix_datagrams_arrive_once() {
    let Some(bin) = rsyslogd() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut rs = Rsyslog::new(bin, dir.path());
    rs.start();
    let udp = logger("udp", &format!("127.0.0.1:{}", rs.udp()));
    log(&udp, "udp", 300);
    udp.shutdown(Duration::from_secs(10)).unwrap();
    let unix = logger("unix", &dir.path().join("log.sock").display().to_string());
    log(&unix, "unix", 300);
    unix.shutdown(Duration::from_secs(10)).unwrap();
    let lines = rs.received(600);
    let seen = check(&lines);
    assert_once(&seen, &[("udp", 300), ("unix", 300)]);
    for l in [&udp, &unix] {
        assert_eq!(l.metrics().get("logfort_sink_dropped_total", &[]), 0);
        assert_eq!(l.metrics().get("logfort_sink_errors_total", &[]), 0);
    }
    rs.stop();
    let internal = rs.internal().to_lowercase();
    assert!(
        !internal.contains("error"),
        "rsyslog reported errors:\n{internal}"
    );
}
