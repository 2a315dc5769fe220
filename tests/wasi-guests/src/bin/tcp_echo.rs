//! Accepts one connection on the preopened listener whose descriptor is the first argument,
//! echoes every line back upper-cased until the peer closes, then exits.
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::os::fd::FromRawFd;

fn main() {
    let fd: i32 = std::env::args().nth(1).and_then(|arg| arg.parse().ok()).expect("listener fd");
    // SAFETY: the host preopened `fd` as a listening socket for this program.
    let listener = unsafe { TcpListener::from_raw_fd(fd) };
    let (stream, _) = listener.accept().expect("accept");
    let mut lines = 0;
    // WASI cannot duplicate descriptors: read and write through shared references.
    for line in BufReader::new(&stream).lines() {
        let line = line.expect("read line");
        writeln!(&stream, "{}", line.to_uppercase()).expect("write");
        lines += 1;
    }
    println!("echoed {lines} lines");
}
