//! Timeouts: a watchdog thread that stops a guest call which runs too long.

use alloc::string::String;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

use vm_core::{CallError, Instance, Trap};

use crate::error::Error;

/// Runs `call` on `instance`; if it has not returned after `after`, stops the instance and
/// reports [`Error::Timeout`].
///
/// The watchdog blocks on a channel with `recv_timeout` instead of sleeping, so it wakes as
/// soon as the call returns (the sender is dropped) and is joined before this returns: no
/// thread outlives the call, however short it was.
pub(crate) fn call_with_timeout<T>(
    instance: &mut Instance,
    after: Duration,
    call: impl FnOnce(&mut Instance) -> Result<T, CallError>,
) -> Result<T, Error> {
    let stop = instance.stop_handle();
    let (finished, wait_for_finish) = mpsc::channel::<()>();
    thread::scope(|scope| {
        let watchdog = thread::Builder::new()
            .name(String::from("xila-vm-watchdog"))
            .spawn_scoped(scope, move || match wait_for_finish.recv_timeout(after) {
                Err(RecvTimeoutError::Timeout) => {
                    stop.stop();
                    true
                }
                // The caller dropped the sender: the call is over.
                Ok(()) | Err(RecvTimeoutError::Disconnected) => false,
            })
            .map_err(Error::Watchdog)?;
        let result = call(instance);
        drop(finished);
        // The watchdog cannot panic; treat a panic as "did not fire" to report the call's own
        // result.
        let fired = watchdog.join().unwrap_or(false);
        match result {
            // Only a stop the watchdog requested is a timeout; another thread's stop stays a
            // plain `Terminated` trap.
            Err(CallError::Trap(Trap::Terminated)) if fired => Err(Error::Timeout { after }),
            other => other.map_err(Error::Call),
        }
    })
}
