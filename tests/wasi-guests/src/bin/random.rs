//! random_get fills buffers with bytes that are not all equal, and two draws differ.
#[link(wasm_import_module = "wasi_snapshot_preview1")]
unsafe extern "C" {
    fn random_get(buffer: *mut u8, length: usize) -> u16;
}

fn draw(buffer: &mut [u8]) {
    // SAFETY: the pointer and length describe `buffer`, which the host fills.
    let errno = unsafe { random_get(buffer.as_mut_ptr(), buffer.len()) };
    assert_eq!(errno, 0);
}

fn main() {
    let mut first = [0u8; 64];
    let mut second = [0u8; 64];
    draw(&mut first);
    draw(&mut second);
    assert_ne!(first, second, "two draws are equal");
    assert!(first.iter().any(|&byte| byte != first[0]), "constant bytes");
    let mut large = vec![0u8; 1 << 20];
    draw(&mut large);
    assert!(large.iter().filter(|&&byte| byte == 0).count() < 1 << 16, "mostly zeros");
    println!("random ok");
}
