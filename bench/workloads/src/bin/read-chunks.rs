//! `read-chunks`: WASI-bound, `fd_read`. Reads `BENCH_ROOT/bench-read.bin` (1 MiB, created
//! with generated content if missing or of another size) from start to end in 4 KiB `read`
//! calls (one `fd_read` each), size-argument passes, seeking back to 0 between passes.
//! The guest touches only the first 8 bytes of each chunk so the run stays WASI-bound.
//! Checksum: bytes read and a sum over the first word of every chunk, in hex.

use std::io::{Read, Seek, SeekFrom, Write};

const FILE_SIZE: usize = 1024 * 1024;
const CHUNK: usize = 4096;

fn main() {
    let passes = workloads::size_arg(4_000);
    let path = workloads::bench_root().join("bench-read.bin");

    let ok = std::fs::metadata(&path)
        .map(|m| m.len() == FILE_SIZE as u64)
        .unwrap_or(false);
    if !ok {
        let mut rng = workloads::SplitMix64(0x5245_4144);
        let mut content = Vec::with_capacity(FILE_SIZE);
        while content.len() < FILE_SIZE {
            content.extend_from_slice(&rng.next_u64().to_le_bytes());
        }
        let mut file = workloads::check(std::fs::File::create(&path), "create bench-read.bin");
        workloads::check(file.write_all(&content), "write bench-read.bin");
    }

    let mut file = workloads::check(std::fs::File::open(&path), "open bench-read.bin");
    let mut buffer = vec![0u8; CHUNK];
    let mut total = 0u64;
    let mut sum = 0u64;
    for _ in 0..passes {
        workloads::check(file.seek(SeekFrom::Start(0)), "seek bench-read.bin");
        loop {
            let n = workloads::check(file.read(&mut buffer), "read bench-read.bin");
            if n == 0 {
                break;
            }
            total += n as u64;
            if n >= 8 {
                let word = u64::from_le_bytes(buffer[..8].try_into().unwrap());
                sum = sum.wrapping_add(word).rotate_left(1);
            }
        }
    }
    if total != passes * FILE_SIZE as u64 {
        workloads::fail(&format!(
            "read {total} bytes, expected {}",
            passes * FILE_SIZE as u64
        ));
    }
    workloads::print_checksum(format_args!("{total:x}-{sum:016x}"));
}
