//! Timeouts: a watchdog thread that stops a guest call which runs too long.

use alloc::string::String;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

use vm_core::{CallError, InstantiationError, StopHandle, Trap};

use crate::error::Error;

/// Runs `work`; if it has not finished after `after`, stops the instance behind `stop` and
/// reports [`Error::Timeout`].
///
/// `work` may instantiate the instance `stop` was made for (so the deadline covers its start
/// function) or call an existing one. The watchdog blocks on a channel with `recv_timeout`
/// instead of sleeping, so it wakes as soon as `work` returns (the sender is dropped) and is
/// joined before this returns: no thread outlives the work, however short it was.
pub(crate) fn with_deadline<T>(
    stop: StopHandle,
    after: Duration,
    work: impl FnOnce() -> Result<T, Error>,
) -> Result<T, Error> {
    let (finished, wait_for_finish) = mpsc::channel::<()>();
    thread::scope(|scope| {
        let watchdog = thread::Builder::new()
            .name(String::from("xila-vm-watchdog"))
            .spawn_scoped(scope, move || match wait_for_finish.recv_timeout(after) {
                Err(RecvTimeoutError::Timeout) => {
                    stop.stop();
                    true
                }
                // The caller dropped the sender: the work is over.
                Ok(()) | Err(RecvTimeoutError::Disconnected) => false,
            })
            .map_err(Error::Watchdog)?;
        let result = work();
        drop(finished);
        // The watchdog cannot panic; treat a panic as "did not fire" to report the work's own
        // result.
        let fired = watchdog.join().unwrap_or(false);
        match result {
            // Only a stop the watchdog requested is a timeout; another thread's stop stays a
            // plain `Terminated` trap.
            Err(error) if fired && is_termination(&error) => Err(Error::Timeout { after }),
            other => other,
        }
    })
}

/// Whether `error` is the guest being stopped, in a call or in its start function.
fn is_termination(error: &Error) -> bool {
    let call_error = match error {
        Error::Call(error) => error,
        Error::Instantiation(InstantiationError::Start(error)) => error,
        _ => return false,
    };
    matches!(call_error, CallError::Trap(Trap::Terminated))
}
