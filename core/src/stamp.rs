//! When a capture happened, read cheaply on the caller.
//!
//! Where the kernel itself keeps time with the CPU's time-stamp counter
//! (x86-64 Linux, clocksource `tsc`), a capture reads the counter: `rdtsc`
//! costs about half of `clock_gettime` and does not wait for the
//! instructions before it. The writer turns counts into wall-clock time
//! against an `Anchor`, a (count, time) pair it takes again when a count
//! is more than `FRESH` past it. The counter's rate comes from `CLOCK_MONOTONIC_RAW` over the
//! process's life, so a conversion is off by little more than the jitter of
//! the pairs (tens of nanoseconds); a record that waited in its ring is off
//! by at most what NTP slewed the clock during the wait (at most 0.05%).
//! Elsewhere a capture reads `clock_gettime`.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// When a capture happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stamp {
    /// Nanoseconds since the epoch (`nanos_of`).
    Nanos(i64),
    /// A count of the time-stamp counter (`counted`); x86-64 Linux only.
    #[cfg_attr(
        not(all(target_arch = "x86_64", target_os = "linux")),
        allow(dead_code)
    )]
    Ticks(i64),
}

impl Stamp {
    /// Now: a count when `count` (the counter is usable: `counted`),
    /// otherwise the time.
    #[inline(always)]
    pub fn now(count: bool) -> Stamp {
        #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
        if count {
            return Stamp::Ticks(counter());
        }
        let _ = count;
        Stamp::Nanos(now_nanos())
    }

    /// Nanoseconds since the epoch. A count is converted against an anchor
    /// taken now: the slow way, for a capture that leaves its ring.
    pub fn nanos(self) -> i64 {
        match self {
            Stamp::Nanos(n) => n,
            Stamp::Ticks(t) => Anchor::now().nanos(t),
        }
    }

    pub fn time(self) -> SystemTime {
        time_of(self.nanos())
    }
}

/// Whether captures can read the time-stamp counter; decided once.
pub(crate) fn counted() -> bool {
    base().is_some()
}

/// The first (count, `CLOCK_MONOTONIC_RAW`) pair: the counter's rate is
/// measured from it. Taken before any count is stamped, so no stamp is
/// older than the measurement.
struct Base {
    ticks: i64,
    raw: i64,
}

fn base() -> Option<&'static Base> {
    static BASE: OnceLock<Option<Base>> = OnceLock::new();
    BASE.get_or_init(|| {
        #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
        {
            let source = "/sys/devices/system/clocksource/clocksource0/current_clocksource";
            if std::fs::read_to_string(source).is_ok_and(|s| s.trim() == "tsc") {
                let (ticks, _, raw) = pair();
                return Some(Base { ticks, raw });
            }
        }
        None
    })
    .as_ref()
}

/// How far past its anchor a count may be converted: about 100 µs at
/// the counter's usual 1–4 GHz.
const FRESH: i64 = 250_000;

/// A count and the wall-clock time it stands for, with the counter's
/// rate: what converts counts.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Anchor {
    ticks: i64,
    nanos: i64,
    /// Nanoseconds a count.
    rate: f64,
    /// The last count converted against this anchor; a later one takes a
    /// new anchor first.
    until: i64,
}

impl Anchor {
    /// An anchor taken now; all zero where captures do not count.
    pub fn now() -> Anchor {
        let Some(base) = base() else {
            return Anchor::default();
        };
        let (ticks, nanos, raw) = pair();
        let span = ticks - base.ticks;
        Anchor {
            ticks,
            nanos,
            rate: if span > 0 {
                (raw - base.raw) as f64 / span as f64
            } else {
                0.0
            },
            // Early on the rate is measured over a short span: a
            // conversion must not reach far past it.
            until: ticks + FRESH.min(span / 64),
        }
    }

    /// Nanoseconds since the epoch of a count, after taking a new anchor
    /// when the count is past `until`. A count older than the anchor is
    /// never older than `Base`, so the rate's error stays small against it.
    #[inline]
    pub fn nanos(&mut self, ticks: i64) -> i64 {
        if ticks > self.until {
            *self = Anchor::now();
        }
        self.nanos - ((self.ticks - ticks) as f64 * self.rate) as i64
    }
}

/// A count with the wall-clock time and `CLOCK_MONOTONIC_RAW` read at it:
/// of three tries, the one whose reads the counter brackets most tightly,
/// with the count in the middle of the bracket.
fn pair() -> (i64, i64, i64) {
    let mut best = (i64::MAX, (0, 0, 0));
    for _ in 0..3 {
        let before = counter();
        let (nanos, raw) = (now_nanos(), read(libc::CLOCK_MONOTONIC_RAW));
        let after = counter();
        if after - before < best.0 {
            best = (after - before, (before + (after - before) / 2, nanos, raw));
        }
    }
    best.1
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
#[inline(always)]
fn counter() -> i64 {
    // SAFETY: `rdtsc` has no preconditions on x86-64.
    unsafe { core::arch::x86_64::_rdtsc() as i64 }
}

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
fn counter() -> i64 {
    0
}

/// `time` as entries hold it: nanoseconds since the epoch, saturated.
pub(crate) fn nanos_of(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_nanos().min(i64::MAX as u128) as i64,
        Err(e) => -(e.duration().as_nanos().min(i64::MAX as u128) as i64),
    }
}

/// The inverse of `nanos_of`.
pub(crate) fn time_of(nanos: i64) -> SystemTime {
    let since = Duration::from_nanos(nanos.unsigned_abs());
    if nanos >= 0 {
        UNIX_EPOCH + since
    } else {
        UNIX_EPOCH - since
    }
}

/// Now, as `nanos_of` gives it: `clock_gettime` without the checked
/// arithmetic of `SystemTime::now().duration_since`, which cost a capture
/// about 90 instructions.
#[inline]
pub(crate) fn now_nanos() -> i64 {
    match read(libc::CLOCK_REALTIME) {
        i64::MIN => nanos_of(SystemTime::now()),
        n => n,
    }
}

/// Nanoseconds of `clock`; `i64::MIN` when it cannot be read.
#[inline]
#[allow(clippy::unnecessary_cast)] // `time_t` and `c_long` are narrower on some targets
fn read(clock: libc::clockid_t) -> i64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a timespec to write to.
    if unsafe { libc::clock_gettime(clock, &mut ts) } != 0 {
        return i64::MIN;
    }
    (ts.tv_sec as i64)
        .saturating_mul(1_000_000_000)
        .saturating_add(ts.tv_nsec as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_converts_to_the_time_read_with_it() {
        let counted = counted();
        std::thread::sleep(Duration::from_millis(2));
        let (before, stamp, after) = (now_nanos(), Stamp::now(true), now_nanos());
        assert_eq!(matches!(stamp, Stamp::Ticks(_)), counted);
        let nanos = stamp.nanos();
        assert!(
            (before - 20_000..=after + 20_000).contains(&nanos),
            "{nanos} is not within {before}..{after}"
        );
        if counted {
            // A time-stamp counter runs at 0.1 to 10 GHz.
            let rate = Anchor::now().rate;
            assert!((0.1..10.0).contains(&rate), "{rate} ns a count");
        }
    }

    #[test]
    fn a_count_past_its_anchor_takes_a_new_one() {
        if !counted() {
            return;
        }
        let mut anchor = Anchor::now();
        let first = anchor.ticks;
        let within = anchor.until;
        anchor.nanos(within);
        assert_eq!(
            anchor.ticks, first,
            "a count up to `until` keeps the anchor"
        );
        // FRESH counts are at most 250 µs of a counter of at least 1 GHz.
        std::thread::sleep(Duration::from_millis(1));
        let later = counter();
        assert!(later > anchor.until);
        let nanos = anchor.nanos(later);
        assert!(anchor.ticks >= later, "the anchor was not taken again");
        assert!((nanos - now_nanos()).abs() < 20_000_000, "{nanos}");
    }

    #[test]
    fn nanoseconds_go_through_as_they_are() {
        let t = UNIX_EPOCH + Duration::from_nanos(1_796_126_400_123_456_789);
        assert_eq!(Stamp::Nanos(nanos_of(t)).time(), t);
        let early = UNIX_EPOCH - Duration::from_nanos(5);
        assert_eq!(time_of(nanos_of(early)), early);
        assert!(matches!(Stamp::now(false), Stamp::Nanos(n) if n > 0));
    }
}
