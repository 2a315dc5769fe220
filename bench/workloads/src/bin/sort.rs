//! `sort`: CPU-bound, memory. Sorts a Vec<u64> of size-argument values from SplitMix64
//! (`sort_unstable`, then a stable `sort` of the same values reshuffled by halves), verifies
//! the order. Checksum: sum of value × (index + 1) over the sorted vector, wrapping, in hex.

fn main() {
    let count = workloads::size_arg(600_000) as usize;
    let mut rng = workloads::SplitMix64(0x534f_5254);
    let mut values: Vec<u64> = (0..count).map(|_| rng.next_u64()).collect();

    values.sort_unstable();
    // Interleave the halves (a partly ordered input) and sort again with the stable sort.
    let (low, high) = values.split_at(count / 2);
    let mut mixed: Vec<u64> = Vec::with_capacity(count);
    for i in 0..high.len() {
        mixed.push(high[i]);
        if i < low.len() {
            mixed.push(low[i] ^ 1);
        }
    }
    mixed.sort();

    if values.windows(2).any(|pair| pair[0] > pair[1])
        || mixed.windows(2).any(|pair| pair[0] > pair[1])
    {
        workloads::fail("not sorted");
    }
    let mut checksum = 0u64;
    for (i, (&a, &b)) in values.iter().zip(&mixed).enumerate() {
        checksum = checksum.wrapping_add((a ^ b.rotate_left(17)).wrapping_mul(i as u64 + 1));
    }
    workloads::print_checksum(format_args!("{checksum:016x}"));
}
