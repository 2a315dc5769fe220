//! `stat`: WASI-bound, `path_filestat_get`. Size-argument `std::fs::metadata` calls on
//! `BENCH_ROOT/bench-stat.txt` (created if missing or of another size).
//! Checksum: the sum of the reported lengths, in decimal (size × 1000).

const CONTENT: &[u8] = &[b'x'; 1000];

fn main() {
    let count = workloads::size_arg(400_000);
    let path = workloads::bench_root().join("bench-stat.txt");
    if std::fs::metadata(&path)
        .map(|m| m.len() != CONTENT.len() as u64)
        .unwrap_or(true)
    {
        workloads::check(std::fs::write(&path, CONTENT), "create bench-stat.txt");
    }
    let mut sum = 0u64;
    for _ in 0..count {
        let metadata = workloads::check(std::fs::metadata(&path), "stat bench-stat.txt");
        if !metadata.is_file() {
            workloads::fail("bench-stat.txt is not a file");
        }
        sum += metadata.len();
    }
    workloads::print_checksum(sum);
}
