// Clocks, sleeping and randomness through @assemblyscript/wasi-shim: Date.now (realtime),
// performance.now and process.hrtime (monotonic), a 20 ms sleep with poll_oneoff from the
// shim's bindings, crypto.getRandomValues and Math.random (seeded by random_get).

import {
  clockid,
  eventtype,
  poll_oneoff
} from "@assemblyscript/wasi-shim/assembly/bindings/wasi_snapshot_preview1";

function check(ok: bool, what: string): void {
  if (!ok) {
    console.log("FAIL: " + what);
    process.exit(1);
  }
}

// Realtime: after 2020-01-01 and before 2100-01-01, in milliseconds.
const now = Date.now();
check(now > 1577836800000 && now < 4102444800000, "Date.now() is " + now.toString());
check(process.time() >= now, "process.time() does not go back from Date.now()");

// Monotonic clocks never go back, and advance.
const start = performance.now();
let previous = start;
let previousNanos = process.hrtime();
let samples = 0;
while (previous - start < 5) {
  const sample = performance.now();
  check(sample >= previous, "performance.now() went back");
  previous = sample;
  const nanos = process.hrtime();
  check(nanos >= previousNanos, "process.hrtime() went back");
  previousNanos = nanos;
  samples++;
}
check(samples > 1, "performance.now() advances");

// Sleep for 20 ms on the monotonic clock: one relative clock subscription.
const subscription = new ArrayBuffer(48);
const event = new ArrayBuffer(32);
const count = new ArrayBuffer(4);
const s = changetype<usize>(subscription);
store<u64>(s, 0x1234, 0); // userdata
store<u8>(s, eventtype.CLOCK, 8);
store<u32>(s, clockid.MONOTONIC, 16);
store<u64>(s, 20_000_000, 24); // timeout, ns
store<u64>(s, 0, 32); // precision
store<u16>(s, 0, 40); // flags: relative
const before = process.hrtime();
const error = poll_oneoff(s, changetype<usize>(event), 1, changetype<usize>(count));
const slept = process.hrtime() - before;
check(error == 0, "poll_oneoff errno " + error.toString());
check(load<u32>(changetype<usize>(count)) == 1, "poll_oneoff reports one event");
check(load<u64>(changetype<usize>(event), 0) == 0x1234, "event userdata");
check(load<u16>(changetype<usize>(event), 8) == 0, "event error");
check(load<u8>(changetype<usize>(event), 10) == eventtype.CLOCK, "event type");
check(slept >= 20_000_000, "slept " + slept.toString() + " ns, expected at least 20 ms");

// Randomness: two 32-byte draws differ, and an empty draw is fine.
const first = new Uint8Array(32);
const second = new Uint8Array(32);
crypto.getRandomValues(first);
crypto.getRandomValues(second);
let same = true;
let zero = true;
for (let i = 0; i < 32; i++) {
  if (first[i] != second[i]) same = false;
  if (first[i] != 0) zero = false;
}
check(!same && !zero, "getRandomValues gives fresh bytes");
crypto.getRandomValues(new Uint8Array(0));

const a = Math.random();
const b = Math.random();
check(a >= 0 && a < 1 && b >= 0 && b < 1 && a != b, "Math.random()");

console.log("assemblyscript clocks and random ok");
