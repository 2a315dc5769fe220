//! Symbolic links inside the preopen, and links that try to leave it.
use std::fs;
use wasi_guests::{errno, expect_errno, symlink as symlink_path};

fn main() {
    fs::create_dir("/links").expect("mkdir");
    fs::write("/links/target.txt", b"through the link").expect("write");
    symlink_path("target.txt", "/links/relative").expect("symlink");
    assert_eq!(fs::read("/links/relative").expect("follow"), b"through the link");
    assert_eq!(fs::read_link("/links/relative").expect("readlink").to_str(), Some("target.txt"));
    assert!(fs::symlink_metadata("/links/relative").expect("lstat").file_type().is_symlink());

    symlink_path("missing", "/links/dangling").expect("dangling symlink");
    expect_errno(fs::read("/links/dangling"), errno::NOENT, "dangling");
    assert!(fs::symlink_metadata("/links/dangling").is_ok());

    symlink_path("loop_b", "/links/loop_a").expect("loop a");
    symlink_path("loop_a", "/links/loop_b").expect("loop b");
    expect_errno(fs::read("/links/loop_a"), errno::LOOP, "loop");

    // Like wasmtime: a link to an absolute path cannot even be created; one that climbs out
    // of the preopen can, but is refused when followed.
    expect_errno(symlink_path("/etc/passwd", "/links/absolute"), errno::PERM, "absolute target");
    symlink_path("../../outside", "/links/up").expect("upward target is stored");
    expect_errno(fs::read("/links/up/secret"), errno::PERM, "escaping target followed");

    fs::remove_file("/links/relative").expect("unlink the link");
    assert!(fs::metadata("/links/target.txt").is_ok(), "the target survives");
    fs::remove_dir_all("/links").expect("cleanup");
    println!("symlinks ok");
}
