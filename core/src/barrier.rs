//! A memory barrier run on every thread of the process at once (Linux
//! `membarrier`), so that the frequent side of a Dekker pair needs no
//! locked instruction: a capture publishes with plain stores, and the
//! writer, on the rare side (shutting down, going to sleep), pays for both.

use std::sync::OnceLock;

/// From <linux/membarrier.h>.
#[cfg(target_os = "linux")]
const PRIVATE_EXPEDITED: libc::c_int = 1 << 3;
#[cfg(target_os = "linux")]
const REGISTER_PRIVATE_EXPEDITED: libc::c_int = 1 << 4;

/// Whether `heavy` works in this process (registered on the first call).
/// Elsewhere, or where a sandbox refuses the call, both sides of each pair
/// use full barriers.
pub(crate) fn available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        #[cfg(target_os = "linux")]
        // SAFETY: a registration with no pointer arguments.
        let ok = unsafe { membarrier(REGISTER_PRIVATE_EXPEDITED) } == 0;
        #[cfg(not(target_os = "linux"))]
        let ok = false;
        ok
    })
}

/// Every thread of the process runs a full barrier before this returns:
/// a plain store one of them made before its compiler fence is visible
/// after it, or that thread's loads after the fence see what this thread
/// stored before. False when it could not run (never once `available`).
pub(crate) fn heavy() -> bool {
    #[cfg(target_os = "linux")]
    if available() {
        // SAFETY: as above.
        return unsafe { membarrier(PRIVATE_EXPEDITED) } == 0;
    }
    false
}

#[cfg(target_os = "linux")]
unsafe fn membarrier(cmd: libc::c_int) -> libc::c_long {
    // SAFETY: `membarrier(cmd, flags, cpu_id)` reads no memory of ours.
    unsafe { libc::syscall(libc::SYS_membarrier, cmd, 0, 0) }
}
