//! `hashmap`: CPU-bound, memory. std `HashMap<u64, u64>` with a fixed-seed FNV hasher (std's
//! default hasher is randomly seeded): size-argument inserts of SplitMix64 keys, then as many
//! lookups (half of them hits), then removal of every other key and a second lookup pass.
//! Checksum: sum of the values found, wrapping, and the final length, in hex.

use std::collections::HashMap;

fn main() {
    let count = workloads::size_arg(600_000);
    let mut map: HashMap<u64, u64, workloads::FnvBuild> = HashMap::default();
    let mut rng = workloads::SplitMix64(0x4841_5348);
    let keys: Vec<u64> = (0..count).map(|_| rng.next_u64()).collect();
    for (i, &key) in keys.iter().enumerate() {
        map.insert(key, i as u64);
    }

    let mut sum = 0u64;
    let mut misses = workloads::SplitMix64(0x4d49_5353);
    for (i, &key) in keys.iter().enumerate() {
        let probe = if i % 2 == 0 { key } else { misses.next_u64() };
        if let Some(&value) = map.get(&probe) {
            sum = sum
                .wrapping_add(value.wrapping_mul(0x9E37_79B9))
                .rotate_left(5);
        }
    }
    for &key in keys.iter().step_by(2) {
        map.remove(&key);
    }
    for &key in &keys {
        if let Some(&value) = map.get(&key) {
            sum = sum.wrapping_add(value).rotate_left(3);
        }
    }
    workloads::print_checksum(format_args!("{sum:016x}-{:x}", map.len()));
}
