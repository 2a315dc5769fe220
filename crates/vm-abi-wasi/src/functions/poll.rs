//! `poll_oneoff`: wait for clock deadlines and descriptor readiness.
//!
//! # Readiness model
//!
//! The adapters are synchronous and have no readiness query, so descriptors are judged by
//! kind, as wasmtime does for them:
//!
//! - a regular file is always ready for reading (if opened for reading; `nbytes` = bytes
//!   from the current position to the end, with `fd_readwrite_hangup` set at the end) and for
//!   writing (if opened for writing; `nbytes` = 1);
//! - standard output and error are always ready for writing (`nbytes` = 1);
//! - standard input is reported ready for reading (`nbytes` = 1): an embedded-io stream
//!   cannot be peeked without consuming input, so the following `fd_read` may block or
//!   return `EAGAIN` instead;
//! - sockets ask the network adapter (`poll_ready`, which never blocks and consumes
//!   nothing): a listener is readable when a connection waits, a stream or UDP socket when
//!   data (or the end of the stream: `fd_readwrite_hangup`) has arrived, and writable when
//!   a send would not block; `nbytes` is 1. A socket `sock_open` created but not yet bound,
//!   listening or connected is reported at once with `fd_readwrite_hangup` (as POSIX `poll`
//!   reports an unconnected socket);
//! - anything else (a bad fd, a directory, stdin for writing, stdout for reading, a file
//!   without the needed access mode) makes the whole call fail with `EBADF` — wasmtime's
//!   behaviour, which its test suite asserts for a bad fd. The `poll_fd_readwrite` right is
//!   not required: wasmtime ignores it, and its tests poll files opened with `fd_read` or
//!   `fd_write` alone.
//!
//! So when a non-socket descriptor or a ready socket is subscribed the call returns at once.
//! When only sockets that are not ready (and clocks) are subscribed, the call sleeps in
//! slices of at most [`SOCKET_POLL_INTERVAL`] nanoseconds (through
//! [`Task::sleep`](vm_host::task::Task::sleep); the adapters have no way to wait on several
//! sockets at once) until a socket is ready or the earliest clock deadline passes. Otherwise
//! the call sleeps until the earliest clock deadline. Every clock subscription due by then
//! is reported, and every socket ready then.
//!
//! # Clocks
//!
//! Realtime and monotonic clocks, relative or absolute (`subscription_clock_abstime`); both
//! clocks are read once when the call starts and every deadline is measured from there, so a
//! realtime deadline is converted to a duration (as wasmtime does) and a jump of the wall
//! clock during the wait does not move it. The precision field is ignored. CPU-time clocks,
//! unknown clock ids, unknown `subclockflags` bits and unknown event types are `EINVAL`.
//!
//! # Bounded work
//!
//! Nothing is allocated per subscription: the subscription array (validated as a whole) is
//! read twice — once to validate and find the earliest deadline, once after the wait to write
//! the events — which is fine because no guest code runs in between. A guest that makes the
//! event array overlap its subscriptions gets garbage but memory stays safe. The wait itself
//! is as long as the guest asks, like a `nanosleep`; it re-sleeps at most [`MAX_SLEEPS`]
//! times when woken early and never spins on a clock that does not advance.

use vm_core::{DefineError, Linker};
use vm_host::clock::ClockKind;
use vm_sandbox::{GuestMemory, GuestValue};

use vm_host::net::{Interest as Readiness, NetError};

use crate::call;
use crate::context::{Resource, Socket, WasiContext};
use crate::errno::{Errno, WasiResult};
use crate::types::{Event, MODULE, Subscription, clockid, eventtype, subclockflags};

/// `eventrwflags::fd_readwrite_hangup`.
const FD_READWRITE_HANGUP: u16 = 1 << 0;

/// Most sleeps one wait makes when the task wakes before the deadline.
const MAX_SLEEPS: u32 = 8;

/// How long one sleep lasts while waiting for sockets to become ready (1 ms).
pub const SOCKET_POLL_INTERVAL: u64 = 1_000_000;

pub(super) fn define(linker: &mut Linker) -> Result<(), DefineError> {
    linker.define(
        MODULE,
        "poll_oneoff",
        |context, (subscriptions, events, count, nevents_ptr): (u32, u32, u32, u32)| {
            call(context, |memory, wasi| {
                poll_oneoff(memory, wasi, subscriptions, events, count, nevents_ptr)
            })
        },
    )?;
    Ok(())
}

/// The clocks as read once when the call starts; every deadline is measured from them.
#[derive(Debug, Clone, Copy)]
struct Start {
    monotonic: u64,
    realtime: u64,
}

/// What one subscription waits for.
#[derive(Debug, Clone, Copy)]
enum Interest {
    /// A clock deadline, `remaining` nanoseconds after the start of the call.
    Clock { remaining: u64 },
    /// Readiness of `fd` for reading.
    Read(u32),
    /// Readiness of `fd` for writing.
    Write(u32),
}

/// Decodes and validates the union of a subscription.
fn decode(subscription: &Subscription, start: Start) -> WasiResult<Interest> {
    match subscription.tag {
        eventtype::CLOCK => {
            let now = match subscription.id_or_fd {
                clockid::REALTIME => start.realtime,
                clockid::MONOTONIC => start.monotonic,
                // CPU-time clocks cannot be waited on (wasmtime: EINVAL), and other ids do not
                // exist.
                _ => return Err(Errno::Invalid),
            };
            if subscription.flags & !subclockflags::ABSTIME != 0 {
                return Err(Errno::Invalid);
            }
            let remaining = if subscription.flags & subclockflags::ABSTIME != 0 {
                // A deadline in the past is due at once.
                subscription.timeout.saturating_sub(now)
            } else {
                subscription.timeout
            };
            Ok(Interest::Clock { remaining })
        }
        eventtype::FD_READ => Ok(Interest::Read(subscription.id_or_fd)),
        eventtype::FD_WRITE => Ok(Interest::Write(subscription.id_or_fd)),
        _ => Err(Errno::Invalid),
    }
}

/// Checks that `fd` can be polled for reading (`write == false`) or writing; see the module
/// documentation for what can.
fn check_pollable(wasi: &WasiContext, fd: u32, write: bool) -> WasiResult {
    match (&wasi.descriptors.get(fd)?.resource, write) {
        (Resource::Stdin(_), false) | (Resource::Output(_), true) => Ok(()),
        (Resource::File(file), false) if file.readable => Ok(()),
        (Resource::File(file), true) if file.writable => Ok(()),
        (Resource::Socket(..), _) => Ok(()),
        _ => Err(Errno::BadFileDescriptor),
    }
}

/// Whether the socket is ready, and its `eventrwflags` then (the adapter's readiness query
/// never blocks). An error of the query counts as ready: the next operation reports it.
fn socket_readiness(socket: &Socket, write: bool) -> Option<u16> {
    let interest = if write {
        Readiness::Write
    } else {
        Readiness::Read
    };
    let ready = match socket {
        Socket::Listener(listener) => listener.poll_ready(interest),
        Socket::Stream(stream) => stream.poll_ready(interest),
        Socket::Datagram(datagram) => datagram.poll_ready(interest),
        Socket::Unbound(_) => return Some(FD_READWRITE_HANGUP),
    };
    match ready {
        Ok(false) => None,
        Err(NetError::Unsupported) => Some(0),
        Err(_) => Some(FD_READWRITE_HANGUP),
        Ok(true) => {
            // A readable stream with nothing to read has reached its end.
            if let (Socket::Stream(stream), false) = (socket, write) {
                let mut byte = [0u8; 1];
                match stream.receive(&mut byte, true) {
                    Ok(0) | Err(_) => return Some(FD_READWRITE_HANGUP),
                    Ok(_) => {}
                }
            }
            Some(0)
        }
    }
}

/// Whether a subscription for `fd` is ready now: sockets ask the adapter, every other
/// pollable descriptor always is.
fn is_ready(wasi: &WasiContext, fd: u32, write: bool) -> WasiResult<bool> {
    check_pollable(wasi, fd, write)?;
    match &wasi.descriptors.get(fd)?.resource {
        Resource::Socket(socket, _) => Ok(socket_readiness(socket, write).is_some()),
        _ => Ok(true),
    }
}

/// The `nbytes` and `eventrwflags` of a descriptor, or `None` for a socket that is not
/// ready.
fn readiness(wasi: &WasiContext, fd: u32, write: bool) -> WasiResult<Option<(u64, u16)>> {
    check_pollable(wasi, fd, write)?;
    match &wasi.descriptors.get(fd)?.resource {
        Resource::Socket(socket, _) => Ok(socket_readiness(socket, write).map(|flags| (1, flags))),
        Resource::File(file) if !write => {
            let size = file.file.metadata()?.size;
            let available = size.saturating_sub(file.position);
            let flags = if available == 0 {
                FD_READWRITE_HANGUP
            } else {
                0
            };
            Ok(Some((available, flags)))
        }
        // Streams and writable files: at least one byte can be transferred.
        _ => Ok(Some((1, 0))),
    }
}

/// Whether any descriptor subscription of `array` is ready now.
fn any_ready(
    memory: &GuestMemory<'_>,
    wasi: &WasiContext,
    array: &vm_sandbox::GuestArray<Subscription>,
    start: Start,
) -> WasiResult<bool> {
    for subscription in array.iter(memory)? {
        let ready = match decode(&subscription, start)? {
            Interest::Clock { .. } => false,
            Interest::Read(fd) => is_ready(wasi, fd, false)?,
            Interest::Write(fd) => is_ready(wasi, fd, true)?,
        };
        if ready {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Sleeps in slices of [`SOCKET_POLL_INTERVAL`] until a descriptor of `array` is ready or
/// `deadline` (nanoseconds after the start, `None`: no deadline) passes; returns the time
/// that passed (at least the deadline when it was reached). Time is the larger of what the
/// monotonic clock says and what was slept, so a clock that does not move cannot make the
/// wait endless.
fn wait_for_sockets(
    memory: &GuestMemory<'_>,
    wasi: &WasiContext,
    array: &vm_sandbox::GuestArray<Subscription>,
    start: Start,
    deadline: Option<u64>,
) -> WasiResult<u64> {
    let mut slept = 0u64;
    loop {
        let elapsed = wasi
            .clock
            .now(ClockKind::Monotonic)
            .saturating_sub(start.monotonic)
            .max(slept);
        if let Some(deadline) = deadline
            && elapsed >= deadline
        {
            return Ok(elapsed);
        }
        if any_ready(memory, wasi, array, start)? {
            return Ok(elapsed);
        }
        let slice = deadline.map_or(SOCKET_POLL_INTERVAL, |deadline| {
            (deadline - elapsed).min(SOCKET_POLL_INTERVAL)
        });
        wasi.task.sleep(slice);
        slept = slept.saturating_add(slice);
    }
}

/// Sleeps until `duration` nanoseconds after `start` on the monotonic clock and returns the
/// time that passed, which is at least `duration`: the task adapter promises to sleep as
/// long as asked, so a clock that lags behind (or a manual clock that does not move) cannot
/// make the deadline be missed.
fn wait(wasi: &WasiContext, start: u64, duration: u64) -> u64 {
    let mut elapsed = 0u64;
    let mut last = start;
    for _ in 0..MAX_SLEEPS {
        wasi.task.sleep(duration.saturating_sub(elapsed));
        let now = wasi.clock.now(ClockKind::Monotonic);
        elapsed = now.saturating_sub(start);
        // Stop when the deadline is reached or when the clock did not move during the sleep
        // (it is not tied to the task's sleeps, so re-sleeping could go on forever).
        if elapsed >= duration || now == last {
            break;
        }
        last = now;
    }
    elapsed.max(duration)
}

/// `poll_oneoff(in, out, nsubscriptions) -> nevents`.
fn poll_oneoff(
    memory: &mut GuestMemory<'_>,
    wasi: &WasiContext,
    subscriptions: u32,
    events: u32,
    count: u32,
    nevents_ptr: u32,
) -> WasiResult {
    // Waiting for nothing would block forever; preview1 has no way to be woken otherwise.
    if count == 0 {
        return Err(Errno::Invalid);
    }
    let array = memory.array::<Subscription>(subscriptions, count)?;
    let start = Start {
        monotonic: wasi.clock.now(ClockKind::Monotonic),
        realtime: wasi.clock.now(ClockKind::Realtime),
    };

    // Pass 1: validate everything and find out how long to wait.
    let mut earliest: Option<u64> = None;
    let mut descriptor_ready = false;
    let mut descriptor_waiting = false;
    for subscription in array.iter(memory)? {
        let ready = match decode(&subscription, start)? {
            Interest::Clock { remaining } => {
                earliest = Some(earliest.map_or(remaining, |earliest| earliest.min(remaining)));
                continue;
            }
            Interest::Read(fd) => is_ready(wasi, fd, false)?,
            Interest::Write(fd) => is_ready(wasi, fd, true)?,
        };
        descriptor_ready |= ready;
        descriptor_waiting |= !ready;
    }

    // Clock subscriptions due by `threshold` fire.
    let threshold = match earliest {
        _ if descriptor_ready => wasi
            .clock
            .now(ClockKind::Monotonic)
            .saturating_sub(start.monotonic),
        _ if descriptor_waiting => wait_for_sockets(memory, wasi, &array, start, earliest)?,
        Some(earliest) if earliest > 0 => wait(wasi, start.monotonic, earliest),
        _ => wasi
            .clock
            .now(ClockKind::Monotonic)
            .saturating_sub(start.monotonic),
    };

    // Pass 2: write the events of what is ready, in subscription order.
    let mut written = 0u32;
    for index in 0..count {
        let subscription = array.get(memory, index)?;
        let (kind, nbytes, flags) = match decode(&subscription, start)? {
            Interest::Clock { remaining } if remaining <= threshold => (eventtype::CLOCK, 0, 0),
            Interest::Clock { .. } => continue,
            Interest::Read(fd) => match readiness(wasi, fd, false)? {
                Some((nbytes, flags)) => (eventtype::FD_READ, nbytes, flags),
                None => continue,
            },
            Interest::Write(fd) => match readiness(wasi, fd, true)? {
                Some((nbytes, flags)) => (eventtype::FD_WRITE, nbytes, flags),
                None => continue,
            },
        };
        let event = Event {
            userdata: subscription.userdata,
            error: Errno::Success.raw(),
            kind,
            nbytes,
            flags,
        };
        let offset = written
            .checked_mul(Event::SIZE)
            .and_then(|delta| events.checked_add(delta))
            .ok_or(Errno::Fault)?;
        memory.write(offset, &event)?;
        written = written.saturating_add(1);
    }
    memory.write(nevents_ptr, &written)?;
    Ok(())
}
