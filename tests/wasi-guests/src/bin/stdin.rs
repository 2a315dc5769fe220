//! Reads all of stdin and reports its length and a checksum.
use std::io::Read;
fn main() {
    let mut input = Vec::new();
    std::io::stdin().read_to_end(&mut input).expect("stdin reads");
    let checksum = input.iter().fold(0u32, |sum, &byte| sum.wrapping_mul(31).wrapping_add(u32::from(byte)));
    println!("read {} bytes, checksum {checksum}", input.len());
}
