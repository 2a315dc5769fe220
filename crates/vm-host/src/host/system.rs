//! Clock, randomness and task services of a desktop host.

use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

use crate::clock::{Clock, ClockKind};
use crate::random::{Random, RandomError};
use crate::task::Task;

/// The host's clocks: [`ClockKind::Realtime`] is [`SystemTime`] (nanoseconds since the Unix
/// epoch, 0 before it), [`ClockKind::Monotonic`] is [`Instant`] measured from a process-wide
/// origin (the first time any `SystemClock` is read), so every `SystemClock` of the process
/// agrees.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl SystemClock {
    /// The system clock.
    pub const fn new() -> Self {
        Self
    }
}

/// The process-wide origin of [`ClockKind::Monotonic`].
fn monotonic_origin() -> Instant {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    *ORIGIN.get_or_init(Instant::now)
}

/// Whole nanoseconds of `duration`, saturating at `u64::MAX` (year 2554).
fn nanoseconds(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

impl Clock for SystemClock {
    fn now(&self, kind: ClockKind) -> u64 {
        match kind {
            ClockKind::Realtime => SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, nanoseconds),
            ClockKind::Monotonic => nanoseconds(monotonic_origin().elapsed()),
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
