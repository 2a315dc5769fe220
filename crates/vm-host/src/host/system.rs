//! Clock, randomness and task services of a desktop host.

use std::sync::OnceLock;
#[cfg(not(unix))]
use std::time::Instant;
use std::time::{Duration, SystemTime};

use crate::clock::{Clock, ClockKind};
use crate::random::{Random, RandomError};
use crate::task::Task;

/// The host's clocks: [`ClockKind::Realtime`] is [`SystemTime`] (nanoseconds since the Unix
/// epoch, 0 before it), [`ClockKind::Monotonic`] is the system's monotonic clock measured from
/// a process-wide origin (the first time any `SystemClock` is read), so every `SystemClock` of
/// the process agrees and guests do not learn the host's uptime.
///
/// Each reading is one `clock_gettime` through the C library (the vDSO on Linux, no system
/// call) plus integer arithmetic. rustix's own vDSO call would save a few nanoseconds more,
/// but Valgrind cannot run it (rustix issue 1559), and callgrind is how this project profiles.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl SystemClock {
    /// The system clock.
    pub const fn new() -> Self {
        Self
    }
}

/// The monotonic clock in nanoseconds since the process-wide origin.
fn monotonic_nanoseconds() -> u64 {
    static ORIGIN: OnceLock<u64> = OnceLock::new();
    let now = monotonic_raw();
    now.saturating_sub(*ORIGIN.get_or_init(|| now))
}

/// The system's monotonic clock, nanoseconds from an arbitrary point.
///
/// Read with `clock_gettime(CLOCK_MONOTONIC)` directly rather than through
/// [`Instant`](std::time::Instant): guests read clocks in tight loops, and `Instant` arithmetic
/// (`Timespec` checks and subtraction) was about half of the instructions of a reading.
#[cfg(unix)]
fn monotonic_raw() -> u64 {
    let mut now = core::mem::MaybeUninit::<libc::timespec>::uninit();
    // SAFETY: `now` is valid for the call to write a `timespec`; CLOCK_MONOTONIC exists on
    // every unix (std's `Instant` reads it the same way on Linux).
    if unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, now.as_mut_ptr()) } != 0 {
        return 0;
    }
    // SAFETY: `clock_gettime` succeeded, so it wrote the whole `timespec`.
    let now = unsafe { now.assume_init() };
    let seconds = u64::try_from(now.tv_sec).unwrap_or(0);
    let nanoseconds = u64::try_from(now.tv_nsec).unwrap_or(0);
    seconds
        .saturating_mul(1_000_000_000)
        .saturating_add(nanoseconds)
}

/// The system's monotonic clock, nanoseconds from an arbitrary point ([`Instant`] measured
/// from its first reading).
#[cfg(not(unix))]
fn monotonic_raw() -> u64 {
    static BASE: OnceLock<Instant> = OnceLock::new();
    nanoseconds(Instant::now().saturating_duration_since(*BASE.get_or_init(Instant::now)))
}

/// Whole nanoseconds of `duration`, saturating at `u64::MAX` (year 2554), in 64-bit
/// arithmetic: `Duration::as_nanos` works in 128 bits.
fn nanoseconds(duration: Duration) -> u64 {
    duration
        .as_secs()
        .saturating_mul(1_000_000_000)
        .saturating_add(u64::from(duration.subsec_nanos()))
}

impl Clock for SystemClock {
    fn now(&self, kind: ClockKind) -> u64 {
        match kind {
            ClockKind::Realtime => SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, nanoseconds),
            ClockKind::Monotonic => monotonic_nanoseconds(),
        }
    }

    /// `clock_getres` of `CLOCK_REALTIME` / `CLOCK_MONOTONIC` on unix; 1 ns elsewhere.
    fn resolution(&self, kind: ClockKind) -> u64 {
        #[cfg(unix)]
        {
            use rustix::time::{ClockId, clock_getres};
            let id = match kind {
                ClockKind::Realtime => ClockId::Realtime,
                ClockKind::Monotonic => ClockId::Monotonic,
            };
            let resolution = clock_getres(id);
            let seconds = u64::try_from(resolution.tv_sec).unwrap_or(0);
            let nanoseconds = u64::try_from(resolution.tv_nsec).unwrap_or(0);
            seconds
                .saturating_mul(1_000_000_000)
                .saturating_add(nanoseconds)
                .max(1)
        }
        #[cfg(not(unix))]
        {
            let _ = kind;
            1
        }
    }
}

/// The operating system's cryptographically secure random source, through the `getrandom`
/// crate (`getrandom(2)` on Linux, the platform's equivalent elsewhere).
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRandom;

impl OsRandom {
    /// The OS random source.
    pub const fn new() -> Self {
        Self
    }
}

impl Random for OsRandom {
    fn fill(&self, buffer: &mut [u8]) -> Result<(), RandomError> {
        getrandom::fill(buffer).map_err(|_| RandomError)
    }
}

/// Task services of a guest that runs on its own host thread: [`std::thread::yield_now`]
/// and [`std::thread::sleep`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ThreadTask;

impl ThreadTask {
    /// The thread task services.
    pub const fn new() -> Self {
        Self
    }
}

impl Task for ThreadTask {
    fn yield_now(&self) {
        std::thread::yield_now();
    }

    fn sleep(&self, nanoseconds: u64) {
        std::thread::sleep(Duration::from_nanos(nanoseconds));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn system_clock_reads_plausible_times() {
        let clock = SystemClock::new();
        // After 2020-01-01.
        assert!(clock.now(ClockKind::Realtime) > 1_577_836_800_000_000_000);
        let first = clock.now(ClockKind::Monotonic);
        std::thread::sleep(Duration::from_millis(2));
        let second = clock.now(ClockKind::Monotonic);
        assert!(second >= first + 1_000_000);
        assert!(SystemClock.now(ClockKind::Monotonic) >= second);
        for kind in [ClockKind::Realtime, ClockKind::Monotonic] {
            let resolution = clock.resolution(kind);
            assert!((1..=1_000_000_000).contains(&resolution));
        }
    }

    #[test]
    fn realtime_agrees_with_the_standard_library() {
        let before = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap();
        let now = SystemClock.now(ClockKind::Realtime);
        let after = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap();
        // The two read the same kernel clock; allow for a clock step between the readings.
        assert!(u128::from(now) + 1_000_000_000 >= before.as_nanos());
        assert!(u128::from(now) <= after.as_nanos() + 1_000_000_000);
    }

    #[test]
    fn monotonic_time_passes_like_instant() {
        let start = Instant::now();
        let first = SystemClock.now(ClockKind::Monotonic);
        std::thread::sleep(Duration::from_millis(5));
        let second = SystemClock.now(ClockKind::Monotonic);
        let elapsed = start.elapsed();
        assert!(second - first >= 5_000_000);
        assert!(u128::from(second - first) <= elapsed.as_nanos());
    }

    #[test]
    fn durations_convert_to_nanoseconds_saturating() {
        assert_eq!(nanoseconds(Duration::new(3, 250)), 3_000_000_250);
        assert_eq!(nanoseconds(Duration::ZERO), 0);
        assert_eq!(
            nanoseconds(Duration::from_nanos(u64::MAX)),
            u64::MAX,
            "the largest representable time is kept exactly"
        );
        assert_eq!(nanoseconds(Duration::new(18_446_744_074, 0)), u64::MAX);
        assert_eq!(nanoseconds(Duration::MAX), u64::MAX);
    }

    #[test]
    fn os_random_fills_buffers() {
        let mut first = [0u8; 32];
        let mut second = [0u8; 32];
        OsRandom::new().fill(&mut first).unwrap();
        OsRandom::new().fill(&mut second).unwrap();
        assert_ne!(first, second);
        OsRandom::new().fill(&mut []).unwrap();
    }

    #[test]
    fn thread_task_sleeps_at_least_as_long_as_asked() {
        let task = ThreadTask::new();
        task.yield_now();
        let start = Instant::now();
        task.sleep(3_000_000);
        assert!(start.elapsed() >= Duration::from_millis(3));
        task.sleep(0);
    }
}
