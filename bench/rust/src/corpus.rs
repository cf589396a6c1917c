//! Deterministic log corpora for the masking benchmark: realistic text
//! with few secrets, and text dense with secrets.

/// xorshift64*: reproducible without a dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }

    fn hex(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b"0123456789abcdef"[self.below(16) as usize]))
            .collect()
    }

    fn uuid(&mut self) -> String {
        format!(
            "{}-{}-4{}-a{}-{}",
            self.hex(8),
            self.hex(4),
            self.hex(3),
            self.hex(3),
            self.hex(12)
        )
    }

    fn ip(&mut self) -> String {
        format!(
            "10.{}.{}.{}",
            self.below(256),
            self.below(256),
            self.below(256)
        )
    }
}

const PATHS: &[&str] = &[
    "/api/v1/users",
    "/api/v1/orders",
    "/api/v2/reports/daily",
    "/healthz",
    "/api/v1/risk/assessments",
    "/static/app.js",
];
const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE"];
const WORDS: &[&str] = &[
    "completed",
    "started",
    "retrying",
    "scheduled",
    "cache miss",
    "cache hit",
    "queued",
    "acknowledged",
];

/// One line of ordinary application logging: paths, ids, timings, IPs,
/// versions, prices, timestamps; a secret in about one line of 200.
pub fn realistic_line(r: &mut Rng) -> String {
    let line = match r.below(10) {
        0 => format!(
            "{} {} {} {}ms ip={} request_id={}",
            r.pick(METHODS),
            r.pick(PATHS),
            [200, 201, 204, 400, 404, 500][r.below(6) as usize],
            r.below(3000),
            r.ip(),
            r.uuid()
        ),
        1 => format!(
            "2026-11-23T07:{:02}:{:02}.{:06}Z worker-{} job {} {} in {}.{} s",
            r.below(60),
            r.below(60),
            r.below(1_000_000),
            r.below(16),
            r.uuid(),
            r.pick(WORDS),
            r.below(60),
            r.below(1000)
        ),
        2 => format!(
            "db query executed table=orders rows={} elapsed_ms={}.{} pool active={} idle={} waiting=0",
            r.below(500),
            r.below(200),
            r.below(10),
            r.below(32),
            r.below(8)
        ),
        3 => format!(
            "order ORD-2026-{:06} created for customer C{:05} total={},{:03}.{:02} JPY items={}",
            r.below(1_000_000),
            r.below(100_000),
            r.below(100),
            r.below(1000),
            r.below(100),
            r.below(9) + 1
        ),
        4 => format!(
            "upstream {} responded after {} ms host=api.internal.example port=8443 attempt {}/3 version 1.{}.{}",
            r.pick(PATHS),
            r.below(30_000),
            r.below(3) + 1,
            r.below(20),
            r.below(50)
        ),
        5 => format!(
            "user u-{} opened report {} from {} (tenant {})",
            r.below(100_000),
            r.below(10_000),
            r.ip(),
            r.hex(12)
        ),
        6 => format!(
            "shipment to 〒{:03}-{:04} scheduled 2026-12-{:02} carrier ref {}",
            r.below(1000),
            r.below(10_000),
            r.below(28) + 1,
            r.below(1_000_000_000)
        ),
        7 => format!(
            "gc pause {}us heap={}MB threads={} build 2026.11.{} commit {}",
            r.below(5000),
            r.below(4096),
            r.below(64),
            r.below(30),
            r.hex(40)
        ),
        8 => format!(
            "control {} evaluated: {} findings, score {}.{}, next review {}",
            r.hex(8),
            r.below(20),
            r.below(100),
            r.below(100),
            r.uuid()
        ),
        _ => format!(
            "feature flag {} is {} for segment {} ({} users)",
            ["new-checkout", "risk-v2", "dark-mode"][r.below(3) as usize],
            ["on", "off"][r.below(2) as usize],
            r.below(64),
            r.below(1_000_000)
        ),
    };
    if r.below(200) == 0 {
        format!("{line} {}", dense_line(r))
    } else {
        line
    }
}

/// A line that carries several secrets in different shapes.
pub fn dense_line(r: &mut Rng) -> String {
    match r.below(6) {
        0 => format!(
            "login failed {{\"password\": \"hunter{}\"}} for alice{}@example.com card 4111-1111-1111-1111",
            r.below(100),
            r.below(100)
        ),
        1 => "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U call 090-1234-5678".to_owned(),
        2 => format!(
            "deploy key AKIAIOSFODNN7EXAMPLE aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY user bob{}@corp.example.jp",
            r.below(100)
        ),
        3 => "connect postgres://app:s3cret@db.internal:5432/main?sslmode=require&token=abc123 from +14155552671".to_owned(),
        4 => "refund to GB82 WEST 1234 5698 7654 32 card 5500 0000 0000 0004 ghp_0123456789abcdefghijklmnopqrstuvwxyz".to_owned(),
        _ => "webhook sk_live_4eC39HqLyjWDarjtT1zdp7dc api_key=xyz-123 cookie: session=abc; theme=dark".to_owned(),
    }
}

pub fn realistic(lines: usize) -> Vec<String> {
    let mut r = Rng::new(7);
    (0..lines).map(|_| realistic_line(&mut r)).collect()
}

pub fn dense(lines: usize) -> Vec<String> {
    let mut r = Rng::new(11);
    (0..lines).map(|_| dense_line(&mut r)).collect()
}
