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
