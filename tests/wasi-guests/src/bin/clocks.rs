//! Realtime is after 2020, monotonic never goes back, and sleeping (poll_oneoff on a clock)
//! lasts at least as long as asked.
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
fn main() {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("after the epoch");
    assert!(now > Duration::from_secs(1_577_836_800), "realtime {now:?} is before 2020");
    let start = Instant::now();
    let mut previous = start;
    for _ in 0..1000 {
        let next = Instant::now();
        assert!(next >= previous, "monotonic clock went backwards");
        previous = next;
    }
    std::thread::sleep(Duration::from_millis(20));
    let slept = start.elapsed();
    assert!(slept >= Duration::from_millis(20), "slept only {slept:?}");
    assert!(slept < Duration::from_secs(5), "slept {slept:?}");
    println!("clocks ok");
}
