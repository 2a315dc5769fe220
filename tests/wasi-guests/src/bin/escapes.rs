//! Escape attempts from a Rust program: none reaches outside the preopen `/`.
use std::fs;

fn refused(what: &str, result: std::io::Result<Vec<u8>>) {
    assert!(result.is_err(), "{what} escaped the sandbox");
}

fn main() {
    refused("parent of root", fs::read("/../outside/secret"));
    refused("dot-dot chain", fs::read("/a/../../outside/secret"));
    refused("many dot-dots", fs::read("/../../../../../../etc/passwd"));
    refused("host absolute path", fs::read("/etc/passwd"));
    assert!(fs::write("/../outside/new", b"x").is_err(), "created a file outside");
    assert!(fs::create_dir("/../outside/newdir").is_err(), "created a directory outside");
    assert!(fs::remove_file("/../outside/secret").is_err(), "removed a file outside");
    assert!(fs::rename("/../outside/secret", "/stolen").is_err(), "moved a file in");
    println!("escapes refused");
}
