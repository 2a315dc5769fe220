//! `clock`: WASI-bound, `clock_time_get`. Size-argument `Instant::now()` calls (one
//! monotonic `clock_time_get` each), checking that time never goes backwards.
//! Checksum: the number of calls, in decimal (the times themselves differ run to run).

use std::time::Instant;

fn main() {
    let count = workloads::size_arg(3_000_000);
    let mut previous = Instant::now();
    let mut calls = 0u64;
    for _ in 0..count {
        let now = Instant::now();
        if now < previous {
            workloads::fail("the monotonic clock went backwards");
        }
        previous = now;
        calls += 1;
    }
    workloads::print_checksum(calls);
}
