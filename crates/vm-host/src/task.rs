//! The task adapter: how a guest gives up the CPU.

/// Scheduling services of the kernel task that runs a guest.
pub trait Task: Send + Sync {
    /// Lets other tasks run (WASI `sched_yield`).
    fn yield_now(&self);
    /// Blocks the task for `nanoseconds` (WASI `poll_oneoff` on clocks only).
    fn sleep(&self, nanoseconds: u64);
}
