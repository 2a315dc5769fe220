//! `readdir`: WASI-bound, `fd_readdir`. Lists `BENCH_ROOT/bench-dir` (2000 empty files
//! `f0000` … `f1999`, created first if the directory is missing or incomplete) size-argument
//! times with `std::fs::read_dir` (`path_open` + `fd_readdir` calls + `fd_close`).
//! Checksum: entries seen and an order-independent sum of FNV-1a of their names, in hex.

const ENTRIES: usize = 2000;

fn main() {
    let passes = workloads::size_arg(50);
    let dir = workloads::bench_root().join("bench-dir");

    let complete = std::fs::read_dir(&dir)
        .map(|entries| entries.count() == ENTRIES)
        .unwrap_or(false);
    if !complete {
        workloads::check(std::fs::create_dir_all(&dir), "create bench-dir");
        for i in 0..ENTRIES {
            let name = dir.join(format!("f{i:04}"));
            workloads::check(std::fs::File::create(&name), "create a bench-dir entry");
        }
    }

    let mut seen = 0u64;
    let mut sum = 0u64;
    for _ in 0..passes {
        for entry in workloads::check(std::fs::read_dir(&dir), "read_dir bench-dir") {
            let entry = workloads::check(entry, "read a bench-dir entry");
            seen += 1;
            sum = sum.wrapping_add(workloads::fnv1a(entry.file_name().as_encoded_bytes()));
        }
    }
    if seen != passes * ENTRIES as u64 {
        workloads::fail(&format!(
            "saw {seen} entries, expected {}",
            passes * ENTRIES as u64
        ));
    }
    workloads::print_checksum(format_args!("{seen:x}-{sum:016x}"));
}
