//! `fib`: CPU-bound, calls. Naive recursive Fibonacci of the size argument.
//! Checksum: fib(n).

#[inline(never)]
fn fib(n: u32) -> u64 {
    if n < 2 {
        u64::from(n)
    } else {
        fib(n - 1) + fib(n - 2)
    }
}

fn main() {
    let n = workloads::size_arg(35) as u32;
    // black_box: the compiler may not evaluate it at build time.
    let result = fib(std::hint::black_box(n));
    workloads::print_checksum(result);
}
