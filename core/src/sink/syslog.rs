//! Syslog sink: RFC 5424 messages over UDP, TCP (RFC 6587 octet counting)
//! or a Unix datagram socket (`/dev/log` style).
//!
//! `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG`, with PRI from
//! the configured facility and the record's level, TIMESTAMP the record's
//! own (read from the start of a `json` line, else the sending time), and
//! MSG the encoded line without its newline. MSG carries no BOM unless
//! `bom` is set: RFC 5424 allows MSG-ANY, and most collectors parse the
//! JSON more easily without it.
//!
//! Delivery: messages wait in a bounded retry buffer (`retry_buffer`
//! messages; one that does not fit is counted as dropped) until they are
//! handed to the socket. A failed connect or send keeps them and backs
//! off (50 ms doubling to 5 s) before the next attempt at the end of a
//! batch; `Logger::flush` and shutdown try at once. Each attempt takes at
//! most `timeout_ms` to connect plus `timeout_ms` per blocked write, so
//! a dead receiver never holds the writer longer than that. Before
//! writing on a TCP connection the sink checks that the receiver has not
//! closed it, so a restarted receiver does not swallow a batch. What was
//! in flight inside the kernel when a receiver crashed can still be lost:
//! plain syslog has no acknowledgements.

use super::{Losses, Sink};
use crate::config::doc::Section;
use crate::encode::Meta;
use crate::error::{Error, Result};
use crate::level::Level;
use serde_json::Value as Json;
use std::collections::VecDeque;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::net::{TcpStream, ToSocketAddrs, UdpSocket};
use std::os::unix::io::AsRawFd;
use std::os::unix::net::UnixDatagram;
use std::time::{Duration, Instant, SystemTime};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Udp,
    Tcp,
    Unix,
}

impl std::str::FromStr for Transport {
    type Err = ();
    fn from_str(s: &str) -> std::result::Result<Transport, ()> {
        match s {
            "udp" => Ok(Transport::Udp),
            "tcp" => Ok(Transport::Tcp),
            "unix" => Ok(Transport::Unix),
            _ => Err(()),
        }
    }
}

/// RFC 5424 facility code (0..=23).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Facility(pub u8);

const FACILITIES: [&str; 24] = [
    "kern",
    "user",
    "mail",
    "daemon",
    "auth",
    "syslog",
    "lpr",
    "news",
    "uucp",
    "cron",
    "authpriv",
    "ftp",
    "ntp",
    "security",
    "console",
    "solaris-cron",
    "local0",
    "local1",
    "local2",
    "local3",
    "local4",
    "local5",
    "local6",
    "local7",
];

impl std::str::FromStr for Facility {
    type Err = ();
    fn from_str(s: &str) -> std::result::Result<Facility, ()> {
        FACILITIES
            .iter()
            .position(|f| *f == s)
            .map(|i| Facility(i as u8))
            .ok_or(())
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct SyslogConfig {
    /// `host:port` for UDP and TCP, a socket path for `unix`.
    pub address: String,
    pub transport: Transport,
    pub facility: Facility,
    /// APP-NAME; the service name when absent, else `logfort`.
    pub app_name: Option<String>,
    pub msgid: Option<String>,
    /// HOSTNAME; the machine's name when absent.
    pub hostname: Option<String>,
    /// STRUCTURED-DATA, rendered: `[id param="value"]…`.
    pub structured_data: Option<String>,
    pub bom: bool,
    pub timeout: Duration,
    pub retry_buffer: usize,
}

impl SyslogConfig {
    pub fn new(transport: Transport, address: impl Into<String>) -> SyslogConfig {
        SyslogConfig {
            address: address.into(),
            transport,
            facility: Facility(1),
            app_name: None,
            msgid: None,
            hostname: None,
            structured_data: None,
            bom: false,
            timeout: Duration::from_secs(1),
            retry_buffer: 10_000,
        }
    }

    pub(super) fn parse(s: &mut Section<'_>) -> Result<SyslogConfig> {
        let transport = s
            .parse("transport", "\"udp\", \"tcp\" or \"unix\"")?
            .unwrap_or(Transport::Udp);
        let default_address = match transport {
            Transport::Unix => "/dev/log",
            _ => "127.0.0.1:514",
        };
        let address = s
            .string("address")?
            .unwrap_or_else(|| default_address.into());
        if transport != Transport::Unix && address.to_socket_addrs().is_err() {
            return Err(s.error("address", &Json::String(address), "host:port"));
        }
        let mut c = SyslogConfig::new(transport, address);
        if let Some(f) = s.parse(
            "facility",
            "a facility name (user, daemon, local0 … local7, …)",
        )? {
            c.facility = f;
        }
        c.app_name = header_field(s, "app_name", 48)?;
        c.msgid = header_field(s, "msgid", 32)?;
        c.hostname = header_field(s, "hostname", 255)?;
        if let Some(sd) = s.get("structured_data") {
            c.structured_data = Some(render_sd(&s.path_of("structured_data"), sd)?);
        }
        c.bom = s.bool("bom")?.unwrap_or(false);
        if let Some(ms) = s.uint("timeout_ms", 1, 60_000)? {
            c.timeout = Duration::from_millis(ms);
        }
        if let Some(n) = s.uint("retry_buffer", 0, 10_000_000)? {
            c.retry_buffer = n as usize;
        }
        Ok(c)
    }
}

impl SyslogConfig {
    /// How errors and metrics name the sink: `syslog tcp:127.0.0.1:514`.
    pub fn describe(&self) -> String {
        let t = match self.transport {
            Transport::Udp => "udp",
            Transport::Tcp => "tcp",
            Transport::Unix => "unix",
        };
        format!("syslog {t}:{}", self.address)
    }
}

/// An RFC 5424 header field: 1..=`max` printable US-ASCII characters.
fn header_field(s: &mut Section<'_>, key: &'static str, max: usize) -> Result<Option<String>> {
    match s.str(key)? {
        None => Ok(None),
        Some(v)
            if !v.is_empty() && v.len() <= max && v.bytes().all(|b| (33..=126).contains(&b)) =>
        {
            Ok(Some(v.to_owned()))
        }
        Some(v) => Err(s.error(
            key,
            &Json::String(v.into()),
            &format!("1 to {max} printable ASCII characters without spaces"),
        )),
    }
}

/// `{"id@32473": {"k": "v"}}` → `[id@32473 k="v"]`, values escaped.
fn render_sd(path: &str, sd: &Json) -> Result<String> {
    let Some(obj) = sd.as_object() else {
        return Err(Error::Config(format!(
            "`{path}`: got {}, expected an object of SD-IDs",
            crate::config::doc::show(sd)
        )));
    };
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.len() <= 32
            && n.bytes()
                .all(|b| (33..=126).contains(&b) && !b"= ]\"".contains(&b))
    };
    let mut out = String::new();
    for (id, params) in obj {
        let Some(params) = params.as_object().filter(|_| name_ok(id)) else {
            return Err(Error::Config(format!(
                "`{path}.{id}`: got {}, expected an SD-ID (up to 32 printable characters, no `= ]\"`) \
                 mapping to an object of string values",
                crate::config::doc::show(params)
            )));
        };
        let _ = write!(out, "[{id}");
        for (k, v) in params {
            let Some(v) = v.as_str().filter(|_| name_ok(k)) else {
                return Err(Error::Config(format!(
                    "`{path}.{id}.{k}`: got {}, expected a parameter name (up to 32 printable \
                     characters) with a string value",
                    crate::config::doc::show(v)
                )));
            };
            let escaped = v
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace(']', "\\]");
            let _ = write!(out, " {k}=\"{escaped}\"");
        }
        out.push(']');
    }
    Ok(out)
}

/// Printable US-ASCII only, at most `max` characters, never empty.
fn sanitize(s: &str, max: usize) -> String {
    let s: String = s
        .chars()
        .map(|c| if c.is_ascii_graphic() { c } else { '_' })
        .take(max)
        .collect();
    if s.is_empty() {
        "-".into()
    } else {
        s
    }
}

fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is ours and its length is passed.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    if ok {
        sanitize(&String::from_utf8_lossy(&buf[..end]), 255)
    } else {
        "-".into()
    }
}

enum Conn {
    Udp(UdpSocket),
    Tcp(TcpStream),
    Unix(UnixDatagram),
}

const BACKOFF_MIN: Duration = Duration::from_millis(50);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

pub struct SyslogSink {
    config: SyslogConfig,
    /// ` HOSTNAME APP-NAME PROCID MSGID SD ` (and the BOM), fixed per sink.
    middle: Vec<u8>,
    /// Framed messages not yet handed to the socket.
    queue: VecDeque<Vec<u8>>,
    conn: Option<Conn>,
    next_attempt: Option<Instant>,
    backoff: Duration,
    losses: Losses,
}

impl SyslogSink {
    pub fn open(config: &SyslogConfig, meta: &Meta) -> io::Result<SyslogSink> {
        let host = config.hostname.clone().unwrap_or_else(hostname);
        let app = config
            .app_name
            .clone()
            .or_else(|| meta.service.as_deref().map(|s| sanitize(s, 48)))
            .unwrap_or_else(|| "logfort".into());
        let mut middle = format!(
            " {host} {app} {} {} {} ",
            std::process::id(),
            config.msgid.as_deref().unwrap_or("-"),
            config.structured_data.as_deref().unwrap_or("-"),
        )
        .into_bytes();
        if config.bom {
            middle.extend_from_slice("\u{feff}".as_bytes());
        }
        Ok(SyslogSink {
            config: config.clone(),
            middle,
            queue: VecDeque::new(),
            conn: None,
            next_attempt: None,
            backoff: BACKOFF_MIN,
            losses: Losses::default(),
        })
    }

    /// Builds the RFC 5424 message for one line (framed for TCP).
    fn message(&self, line: &[u8], level: Level) -> Vec<u8> {
        let msg = line.strip_suffix(b"\n").unwrap_or(line);
        let pri = self.config.facility.0 as u32 * 8 + level.to_syslog() as u32;
        let mut m = Vec::with_capacity(msg.len() + self.middle.len() + 48);
        let _ = write!(m, "<{pri}>1 ");
        match record_timestamp(msg) {
            Some(ts) => m.extend_from_slice(ts),
            None => crate::encode::write::rfc3339_micros(&mut m, SystemTime::now()),
        }
        m.extend_from_slice(&self.middle);
        m.extend_from_slice(msg);
        if self.config.transport == Transport::Tcp {
            let mut framed = format!("{} ", m.len()).into_bytes();
            framed.extend_from_slice(&m);
            framed
        } else {
            m
        }
    }

    fn connect(&self) -> io::Result<Conn> {
        let c = &self.config;
        Ok(match c.transport {
            Transport::Udp => {
                let addr = resolve(&c.address)?;
                let bind = if addr.is_ipv4() {
                    "0.0.0.0:0"
                } else {
                    "[::]:0"
                };
                let s = UdpSocket::bind(bind)?;
                s.connect(addr)?;
                s.set_write_timeout(Some(c.timeout))?;
                Conn::Udp(s)
            }
            Transport::Tcp => {
                let s = TcpStream::connect_timeout(&resolve(&c.address)?, c.timeout)?;
                s.set_write_timeout(Some(c.timeout))?;
                s.set_nodelay(true)?;
                Conn::Tcp(s)
            }
            Transport::Unix => {
                let s = UnixDatagram::unbound()?;
                s.connect(&c.address)?;
                s.set_write_timeout(Some(c.timeout))?;
                Conn::Unix(s)
            }
        })
    }

    /// One delivery attempt; `now` ignores the backoff.
    fn deliver(&mut self, now: bool) -> io::Result<()> {
        if self.queue.is_empty() {
            return Ok(());
        }
        if !now && self.next_attempt.is_some_and(|t| Instant::now() < t) {
            return Ok(());
        }
        if let Some(Conn::Tcp(s)) = &self.conn {
            if peer_closed(s) {
                self.conn = None;
            }
        }
        if self.conn.is_none() {
            match self.connect() {
                Ok(c) => self.conn = Some(c),
                Err(e) => return Err(self.failed(e)),
            }
        }
        let result = match self.conn.as_mut() {
            Some(Conn::Tcp(s)) => send_stream(s, &mut self.queue),
            Some(Conn::Udp(s)) => send_datagrams(|m| s.send(m), &mut self.queue, &mut self.losses),
            Some(Conn::Unix(s)) => send_datagrams(|m| s.send(m), &mut self.queue, &mut self.losses),
            None => Ok(()),
        };
        match result {
            Ok(()) => {
                self.next_attempt = None;
                self.backoff = BACKOFF_MIN;
                Ok(())
            }
            Err(e) => {
                self.conn = None;
                Err(self.failed(e))
            }
        }
    }

    fn failed(&mut self, e: io::Error) -> io::Error {
        self.losses.fail(0, &e);
        self.next_attempt = Some(Instant::now() + self.backoff);
        self.backoff = (self.backoff * 2).min(BACKOFF_MAX);
        e
    }
}

fn resolve(address: &str) -> io::Result<std::net::SocketAddr> {
    address
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("no address for {address}")))
}

/// The RFC 3339 timestamp a `json` line starts with.
fn record_timestamp(msg: &[u8]) -> Option<&[u8]> {
    let rest = msg.strip_prefix(b"{\"timestamp\":\"")?;
    let end = memchr::memchr(b'"', rest)?;
    let ts = &rest[..end];
    let ok = (20..=35).contains(&ts.len())
        && ts
            .iter()
            .all(|b| b.is_ascii_digit() || b"-:.TZ+".contains(b));
    ok.then_some(ts)
}

/// True when the receiver closed the connection (or reset it).
fn peer_closed(s: &TcpStream) -> bool {
    let mut p = libc::pollfd {
        fd: s.as_raw_fd(),
        events: libc::POLLIN | libc::POLLRDHUP,
        revents: 0,
    };
    // SAFETY: one pollfd we own, zero timeout.
    let n = unsafe { libc::poll(&mut p, 1, 0) };
    n > 0 && p.revents != 0
}

/// Writes whole frames; frames fully written leave the queue. A frame cut
/// short stays and is sent whole on the next connection (the receiver
/// discards the broken one with the old connection).
fn send_stream(s: &mut TcpStream, queue: &mut VecDeque<Vec<u8>>) -> io::Result<()> {
    let mut chunk: Vec<u8> = Vec::with_capacity(64 * 1024);
    while !queue.is_empty() {
        chunk.clear();
        let mut ends = Vec::new();
        for m in queue.iter() {
            if !chunk.is_empty() && chunk.len() + m.len() > 256 * 1024 {
                break;
            }
            chunk.extend_from_slice(m);
            ends.push(chunk.len());
        }
        let mut done = 0;
        let mut err = None;
        while done < chunk.len() {
            match s.write(&chunk[done..]) {
                Ok(0) => {
                    err = Some(io::ErrorKind::WriteZero.into());
                    break;
                }
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    err = Some(e);
                    break;
                }
            }
        }
        let sent = ends.iter().take_while(|e| **e <= done).count();
        queue.drain(..sent);
        if let Some(e) = err {
            return Err(e);
        }
    }
    Ok(())
}

/// One datagram per message. A message too large for the transport is
/// dropped alone; any other error stops and keeps the rest.
fn send_datagrams(
    mut send: impl FnMut(&[u8]) -> io::Result<usize>,
    queue: &mut VecDeque<Vec<u8>>,
    losses: &mut Losses,
) -> io::Result<()> {
    while let Some(m) = queue.front() {
        match send(m) {
            Ok(_) => {
                queue.pop_front();
            }
            Err(e) if e.raw_os_error() == Some(libc::EMSGSIZE) => {
                losses.fail(1, format!("message of {} bytes too large: {e}", m.len()));
                queue.pop_front();
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

impl Sink for SyslogSink {
    fn write(&mut self, line: &[u8], level: Level) -> io::Result<()> {
        if self.queue.len() >= self.config.retry_buffer {
            self.losses.fail(
                1,
                format!("retry buffer full ({} messages)", self.config.retry_buffer),
            );
            return Ok(());
        }
        let m = self.message(line, level);
        self.queue.push_back(m);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.deliver(false)
    }

    fn sync(&mut self) -> io::Result<()> {
        self.deliver(true)
    }

    /// One last attempt; what is still buffered is lost.
    fn close(&mut self) -> io::Result<()> {
        let r = self.deliver(true);
        let left = self.queue.len() as u64;
        if left > 0 {
            self.queue.clear();
            self.losses.dropped += left;
        }
        r
    }

    fn describe(&self) -> String {
        self.config.describe()
    }

    fn take_losses(&mut self) -> Option<Losses> {
        Some(std::mem::take(&mut self.losses))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::net::TcpListener;

    fn sink(transport: Transport, address: &str) -> SyslogSink {
        let mut c = SyslogConfig::new(transport, address);
        c.facility = Facility(16);
        c.hostname = Some("web-1".into());
        c.msgid = Some("REQ".into());
        c.retry_buffer = 3;
        let meta = Meta {
            service: Some("grc backend".into()),
            ..Meta::default()
        };
        SyslogSink::open(&c, &meta).unwrap()
    }

    const LINE: &[u8] =
        b"{\"timestamp\":\"2026-11-23T07:03:20.000001Z\",\"level\":\"ERROR\",\"message\":\"x\"}\n";

    #[test]
    fn rfc5424_message_and_octet_counting() {
        let pid = std::process::id();
        let udp = sink(Transport::Udp, "127.0.0.1:9");
        let body = format!(
            "<131>1 2026-11-23T07:03:20.000001Z web-1 grc_backend {pid} REQ - {}",
            std::str::from_utf8(&LINE[..LINE.len() - 1]).unwrap()
        );
        assert_eq!(
            String::from_utf8(udp.message(LINE, Level::Error)).unwrap(),
            body
        );
        let tcp = sink(Transport::Tcp, "127.0.0.1:9");
        assert_eq!(
            String::from_utf8(tcp.message(LINE, Level::Error)).unwrap(),
            format!("{} {body}", body.len())
        );
        let text = udp.message(b"plain text\n", Level::Debug);
        assert!(
            text.starts_with(b"<135>1 20"),
            "{}",
            String::from_utf8_lossy(&text)
        );
        assert!(text.ends_with(b" REQ - plain text"));
    }

    #[test]
    fn a_full_retry_buffer_counts_what_it_drops_and_delivers_the_rest() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        drop(listener);
        let mut s = sink(Transport::Tcp, &addr);
        for _ in 0..5 {
            s.write(LINE, Level::Info).unwrap();
        }
        assert!(s.flush().is_err());
        let l = s.take_losses().unwrap();
        assert_eq!((l.errors, l.dropped), (3, 2)); // 2 overflows + 1 refused connect
        assert_eq!(s.queue.len(), 3);
        // In backoff: a batch end does not retry.
        assert!(s.flush().is_ok());
        let listener = TcpListener::bind(&addr).unwrap();
        s.sync().unwrap();
        drop(s);
        let (mut conn, _) = listener.accept().unwrap();
        let mut got = String::new();
        conn.read_to_string(&mut got).unwrap();
        let one =
            String::from_utf8(sink(Transport::Tcp, &addr).message(LINE, Level::Info)).unwrap();
        assert_eq!(got, one.repeat(3));
    }
}
