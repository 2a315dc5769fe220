//! Files and directories inside the preopen `/`: create, write, read, seek, append,
//! metadata, timestamps, rename, copy, readdir, remove, and the errors in between.
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::time::{Duration, SystemTime};
use wasi_guests::{errno, expect_errno};

fn main() {
    fs::create_dir("/work").expect("create_dir");
    expect_errno(fs::create_dir("/work"), errno::EXIST, "create_dir twice");
    fs::create_dir_all("/work/a/b/c").expect("create_dir_all");

    let mut file = File::create("/work/notes.txt").expect("create");
    file.write_all(b"hello, files").expect("write");
    drop(file);
    assert_eq!(fs::read_to_string("/work/notes.txt").expect("read"), "hello, files");
    assert_eq!(fs::metadata("/work/notes.txt").expect("stat").len(), 12);
    assert!(fs::metadata("/work/a").expect("stat dir").is_dir());

    let mut file = OpenOptions::new().read(true).write(true).open("/work/notes.txt").expect("open rw");
    file.seek(SeekFrom::Start(7)).expect("seek");
    file.write_all(b"FILES").expect("overwrite");
    file.seek(SeekFrom::End(-5)).expect("seek from end");
    let mut tail = String::new();
    file.read_to_string(&mut tail).expect("read tail");
    assert_eq!(tail, "FILES");
    assert_eq!(file.stream_position().expect("tell"), 12);
    drop(file);

    let mut log = OpenOptions::new().append(true).create(true).open("/work/log").expect("append");
    log.write_all(b"one\n").expect("append one");
    log.write_all(b"two\n").expect("append two");
    drop(log);
    let mut log = OpenOptions::new().append(true).open("/work/log").expect("reopen");
    log.write_all(b"three\n").expect("append three");
    drop(log);
    assert_eq!(fs::read_to_string("/work/log").expect("read log"), "one\ntwo\nthree\n");

    let file = OpenOptions::new().write(true).open("/work/log").expect("open");
    file.set_len(3).expect("truncate");
    let when = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    file.set_modified(when).expect("set mtime");
    drop(file);
    let metadata = fs::metadata("/work/log").expect("stat log");
    assert_eq!(metadata.len(), 3);
    assert_eq!(metadata.modified().expect("mtime"), when);

    fs::rename("/work/log", "/work/a/moved").expect("rename");
    expect_errno(fs::metadata("/work/log"), errno::NOENT, "old name gone");
    fs::copy("/work/notes.txt", "/work/a/b/copy.txt").expect("copy");
    assert_eq!(fs::read("/work/a/b/copy.txt").expect("read copy"), b"hello, FILES");

    let mut names: Vec<String> = fs::read_dir("/work")
        .expect("read_dir")
        .map(|entry| entry.expect("entry").file_name().into_string().expect("utf-8"))
        .collect();
    names.sort();
    assert_eq!(names, ["a", "notes.txt"]);

    expect_errno(fs::remove_dir("/work/a"), errno::NOTEMPTY, "remove non-empty dir");
    expect_errno(fs::remove_file("/work/a"), errno::ISDIR, "unlink a directory");
    expect_errno(File::open("/work/missing"), errno::NOENT, "open missing");
    expect_errno(fs::read_dir("/work/notes.txt"), errno::NOTDIR, "read_dir on a file");
    expect_errno(File::create("/work/notes.txt/x"), errno::NOTDIR, "file as directory");
    fs::remove_dir_all("/work").expect("remove_dir_all");
    expect_errno(fs::metadata("/work"), errno::NOENT, "all gone");
    println!("files ok");
}
