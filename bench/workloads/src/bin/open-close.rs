//! `open-close`: WASI-bound, `path_open` + `fd_close`. Size-argument `File::open` of
//! `BENCH_ROOT/bench-open.txt` (created if missing), each dropped (closed) at once.
//! Checksum: the number of successful opens, in decimal.

fn main() {
    let count = workloads::size_arg(250_000);
    let path = workloads::bench_root().join("bench-open.txt");
    if !path.exists() {
        workloads::check(
            std::fs::write(&path, b"open-close\n"),
            "create bench-open.txt",
        );
    }
    let mut opened = 0u64;
    for _ in 0..count {
        let file = workloads::check(std::fs::File::open(&path), "open bench-open.txt");
        drop(file);
        opened += 1;
    }
    workloads::print_checksum(opened);
}
