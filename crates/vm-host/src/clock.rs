//! The clock adapter.

/// The clocks a guest can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClockKind {
    /// Wall-clock time since the Unix epoch (may jump).
    Realtime,
    /// Time since an arbitrary start, never going backwards.
    Monotonic,
}

/// Time sources. Values are nanoseconds.
pub trait Clock: Send + Sync {
    /// The current time of `kind`, in nanoseconds (since the Unix epoch for
    /// [`ClockKind::Realtime`]).
    fn now(&self, kind: ClockKind) -> u64;
    /// The resolution of `kind`, in nanoseconds (at least 1).
    fn resolution(&self, kind: ClockKind) -> u64;
}

/// A clock that only moves when told to: the clock of tests and of boards without a time
/// source. [`ClockKind::Realtime`] and [`ClockKind::Monotonic`] both read the same value.
///
/// Share it as `Arc<ManualClock>` (coerces to `Arc<dyn Clock>`) and keep a handle to move it.
#[derive(Debug, Default)]
pub struct ManualClock {
    now: spin::Mutex<u64>,
}

impl ManualClock {
    /// A clock that reads `nanoseconds` until it is set or advanced.
    pub const fn new(nanoseconds: u64) -> Self {
        Self {
            now: spin::Mutex::new(nanoseconds),
        }
    }

    /// Sets the time to `nanoseconds` (it may go backwards: this is a test tool).
    pub fn set(&self, nanoseconds: u64) {
        *self.now.lock() = nanoseconds;
    }

    /// Moves the time forward by `nanoseconds` (saturating at `u64::MAX`) and returns the new
    /// time.
    pub fn advance(&self, nanoseconds: u64) -> u64 {
        let mut now = self.now.lock();
        *now = now.saturating_add(nanoseconds);
        *now
    }
}

impl Clock for ManualClock {
    fn now(&self, _kind: ClockKind) -> u64 {
        *self.now.lock()
    }

    fn resolution(&self, _kind: ClockKind) -> u64 {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = ManualClock::new(5);
        assert_eq!(clock.now(ClockKind::Realtime), 5);
        assert_eq!(clock.now(ClockKind::Monotonic), 5);
        assert_eq!(clock.advance(10), 15);
        clock.set(3);
        assert_eq!(clock.now(ClockKind::Realtime), 3);
        assert_eq!(clock.advance(u64::MAX), u64::MAX);
        assert_eq!(clock.resolution(ClockKind::Monotonic), 1);
    }
}
