//! Prints the real-time clock and measures a sleep with the monotonic clock.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const NAP: Duration = Duration::from_millis(50);

fn main() {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(since) => println!(
            "realtime: {}.{:03} s since the Unix epoch",
            since.as_secs(),
            since.subsec_millis()
        ),
        Err(error) => {
            eprintln!("the real-time clock is before 1970: {error}");
            std::process::exit(1);
        }
    }
    let start = Instant::now();
    std::thread::sleep(NAP);
    let slept = start.elapsed();
    println!(
        "slept {} ms (asked for {} ms)",
        slept.as_millis(),
        NAP.as_millis()
    );
    if slept < NAP {
        eprintln!("the sleep was shorter than asked");
        std::process::exit(1);
    }
    println!("clock ok");
}
