//! Cache hints for records about to be used: a record is filled on one
//! core and read on another (the writer), then refilled by a caller, so
//! each side meets memory the other touched last. Both start loading a
//! record a few uses ahead, a level of pointers per step. A hint never
//! changes what a program does, only when memory arrives.

use crate::record::Record;

#[inline]
fn line<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint; it never faults, whatever the address.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Up to `bytes` (at most 512) from `p`, line by line.
#[inline]
fn span(p: *const u8, bytes: usize) {
    for off in (0..bytes.min(512)).step_by(64) {
        line(p.wrapping_add(off));
    }
}

/// The record itself (its first lines).
pub fn record(r: &Record) {
    span(r as *const Record as *const u8, 256);
}

/// What the record points to: message, logger, the field lists.
pub fn contents(r: &Record) {
    line(r.message.as_ptr());
    line(r.logger.as_ptr());
    let slot = std::mem::size_of::<(String, crate::value::Value)>();
    span(r.fields.as_ptr() as *const u8, r.fields.len() * slot);
    span(r.spare.as_ptr() as *const u8, r.spare.len() * slot);
}

/// The keys and string values of the first fields.
pub fn fields(r: &Record) {
    for (k, v) in r.fields.iter().take(8) {
        line(k.as_ptr());
        if let Some(s) = v.as_str() {
            line(s.as_ptr());
        }
    }
}
