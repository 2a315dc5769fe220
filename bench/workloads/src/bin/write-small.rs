//! `write-small`: WASI-bound, `fd_write`. Size-argument unbuffered 16-byte writes to stdout:
//! written straight to file descriptor 1 (`std::io::Stdout` is line-buffered, and a
//! `BufWriter` would batch the writes), one `write` call (one `fd_write`) per record.
//! Output: the records (`xila-bench-16b.\n`), then the checksum line, which is also repeated
//! on stderr so a harness may discard stdout (e.g. send it to /dev/null).
//! Checksum: the total number of bytes the writes reported, in decimal (16 × the size).

use std::io::Write;
use std::mem::ManuallyDrop;
use std::os::fd::FromRawFd;

fn main() {
    let count = workloads::size_arg(1_500_000);
    let record: &[u8; 16] = b"xila-bench-16b.\n";
    // ManuallyDrop: dropping the `File` would close fd 1.
    let mut out = ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(1) });
    let mut written = 0u64;
    for _ in 0..count {
        let mut rest: &[u8] = record;
        while !rest.is_empty() {
            let n = workloads::check(out.write(rest), "write to stdout");
            if n == 0 {
                workloads::fail("write to stdout wrote 0 bytes");
            }
            written += n as u64;
            rest = &rest[n..];
        }
    }
    let line = format!("checksum: {written}\n");
    workloads::check(out.write_all(line.as_bytes()), "write to stdout");
    eprint!("{line}");
}
