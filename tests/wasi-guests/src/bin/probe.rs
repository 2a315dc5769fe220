//! Prints the errno of path edge cases. Its output under wasmtime (the reference) is
//! recorded in `expected/probe.stdout`; the test suite requires ours to be identical.
use std::fs::{self, OpenOptions};
use wasi_guests::{errno, symlink};

fn show<T>(what: &str, result: std::io::Result<T>) {
    match result {
        Ok(_) => println!("{what}: ok"),
        Err(error) => println!("{what}: {}", errno(&error)),
    }
}

fn main() {
    fs::create_dir("/d").ok();
    fs::write("/d/f", b"x").ok();
    show("read ../x", fs::read("/../x"));
    show("read d/../../x", fs::read("/d/../../x"));
    show("read d/..", fs::read_dir("/d/.."));
    show("mkdir ../x", fs::create_dir("/../x"));
    show("read f/", fs::read("/d/f/"));
    show("open trunc dir", OpenOptions::new().write(true).truncate(true).open("/d"));
    show("open dir write", OpenOptions::new().write(true).open("/d"));
    show("mkdir d/new/", fs::create_dir("/d/new/"));
    show("rmdir file", fs::remove_dir("/d/f"));
    show("unlink dir/", fs::remove_file("/d/"));
    show("rename file over dir", fs::rename("/d/f", "/d"));
    fs::create_dir("/e").ok();
    show("rename dir over file", fs::rename("/e", "/d/f"));
    show("symlink abs", symlink("/abs", "/d/abs"));
    show("symlink dotdot", symlink("../../x", "/d/up"));
    show("follow dotdot", fs::read("/d/up"));
    show("stat dotdot link", fs::symlink_metadata("/d/up"));
    show("stat follow dotdot", fs::metadata("/d/up"));
    let long = "a".repeat(300);
    show("long component", fs::read(format!("/{long}")));
    let deep = "a/".repeat(3000);
    show("long path", fs::read(format!("/{deep}")));
    show("nul", fs::read("/d/a\0b"));
    show("empty", fs::read(""));
    symlink("l2", "/d/l1").ok();
    symlink("l1", "/d/l2").ok();
    show("loop", fs::read("/d/l1"));
    show("readdir file", fs::read_dir("/d/f"));
    show("link dir", fs::hard_link("/d", "/d2"));
    show("link ok", fs::hard_link("/d/f", "/d/g"));
    show("rmdir nonempty", fs::remove_dir("/d"));
    show("remove root", fs::remove_dir("/"));
    show("rmdir dot", fs::remove_dir("/d/."));
    let mut entries: Vec<String> = fs::read_dir("/d")
        .expect("read_dir")
        .map(|entry| entry.expect("entry").file_name().into_string().expect("utf-8"))
        .collect();
    entries.sort();
    println!("entries {entries:?}");
}
