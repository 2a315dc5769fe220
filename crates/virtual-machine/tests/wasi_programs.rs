//! Rust `std` programs built for `wasm32-wasip1` (tests/wasi-guests) run through the facade
//! with WASI, against both the host-directory backend and the in-memory backend. Each program
//! asserts its own behaviour; here we check its exit status, its output, and that nothing
//! outside the preopen changed.

mod common;

use common::wasi_guests::{Backend, run, run_with};
use virtual_machine::host::host::HostTcpListener;

/// Runs a self-checking program on both backends and expects success and `marker` on stdout.
fn passes(program: &str, marker: &str) {
    for backend in [Backend::host(), Backend::memory()] {
        let before = backend.outside();
        let outcome = run(program, &[], &[], b"", &backend);
        assert!(
            outcome.status.success(),
            "{program}: {:?}\nstdout:\n{}\nstderr:\n{}",
            outcome.status,
            outcome.stdout,
            outcome.stderr
        );
        assert!(
            outcome.stdout.contains(marker),
            "{program} stdout:\n{}",
            outcome.stdout
        );
        assert_eq!(
            backend.outside(),
            before,
            "{program} changed files outside the preopen"
        );
    }
}

#[test]
fn hello_prints_to_stdout_and_stderr() {
    let outcome = run("hello", &["one", "two"], &[], b"", &Backend::memory());
    assert!(outcome.status.success());
    assert_eq!(
        outcome.stdout,
        "hello from wasi\narg 0: hello.wasm\narg 1: one\narg 2: two\n"
    );
    assert_eq!(outcome.stderr, "to stderr\n");
}

#[test]
fn args_and_environment_are_exactly_what_the_host_gives() {
    let outcome = run(
        "args_env",
        &["first", "second arg", "ünïcödé"],
        &[("GREETING", "hi"), ("EMPTY", "")],
        b"",
        &Backend::memory(),
    );
    assert!(outcome.status.success(), "{}", outcome.stderr);
    assert_eq!(outcome.stdout, "args and env ok\n");
}

#[test]
fn exit_codes_reach_the_host() {
    for code in [0, 3, 42, 125] {
        let outcome = run(
            "exit_code",
            &[&code.to_string()],
            &[],
            b"",
            &Backend::memory(),
        );
        assert_eq!(outcome.status.code(), code, "{}", outcome.stdout);
    }
}

#[test]
fn stdin_is_read_to_the_end() {
    let input: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let checksum = input.iter().fold(0u32, |sum, &byte| {
        sum.wrapping_mul(31).wrapping_add(u32::from(byte))
    });
    let outcome = run("stdin", &[], &[], &input, &Backend::memory());
    assert!(outcome.status.success(), "{}", outcome.stderr);
    assert_eq!(
        outcome.stdout,
        format!("read {} bytes, checksum {checksum}\n", input.len())
    );
}

#[test]
fn clocks_and_sleep() {
    passes("clocks", "clocks ok");
}

#[test]
fn random_bytes() {
    passes("random", "random ok");
}

#[test]
fn files_and_directories() {
    passes("files", "files ok");
}

#[test]
fn symbolic_links() {
    passes("symlinks", "symlinks ok");
}

#[test]
fn escapes_are_refused() {
    passes("escapes", "escapes refused");
}

/// A line of a probe's output where we deliberately differ from wasmtime: wasmtime's line
/// (as recorded) and ours. Each is explained where it is listed and in docs/wasi-support.md.
type Deviation = (&'static str, &'static str);

/// Runs a probe program (one line per case) on both backends and requires its output to be
/// wasmtime's recorded output, line for line, except for the listed `deviations`, each of
/// which must still occur (a list that no longer matches is stale).
fn matches_wasmtime(
    program: &str,
    args: &[&str],
    env: &[(&str, &str)],
    expected: &str,
    deviations: &[Deviation],
) {
    for backend in [Backend::host(), Backend::memory()] {
        let outcome = run(program, args, env, b"", &backend);
        assert!(outcome.status.success(), "{program}: {}", outcome.stderr);
        let mut seen = Vec::new();
        let mut differences = Vec::new();
        for (want, got) in expected.lines().zip(outcome.stdout.lines()) {
            if want == got {
                continue;
            }
            match deviations
                .iter()
                .position(|&deviation| deviation == (want, got))
            {
                Some(index) => seen.push(index),
                None => differences.push(format!("wasmtime: {want:<40} ours: {got}")),
            }
        }
        let stale: Vec<&Deviation> = (0..deviations.len())
            .filter(|index| !seen.contains(index))
            .map(|index| &deviations[index])
            .collect();
        assert!(
            differences.is_empty()
                && stale.is_empty()
                && expected.lines().count() == outcome.stdout.lines().count(),
            "{program}: differences from wasmtime:\n{}\nlisted deviations that did not occur: \
             {stale:?}\nfull output:\n{}",
            differences.join("\n"),
            outcome.stdout
        );
    }
}

#[test]
fn path_edge_cases_match_wasmtime() {
    let expected = include_str!("../../../tests/wasi-guests/expected/probe.stdout");
    matches_wasmtime("probe", &[], &[], expected, &[]);
}

#[test]
fn descriptor_edge_cases_match_wasmtime() {
    let expected = include_str!("../../../tests/wasi-guests/expected/probe_fd.stdout");
    matches_wasmtime("probe_fd", &[], &[], expected, FD_DEVIATIONS);
}

/// Where `probe_fd` deliberately differs from wasmtime 50 (docs/wasi-support.md).
const FD_DEVIATIONS: &[Deviation] = &[
    // Several iovecs: wasmtime transfers the first non-empty one only, we transfer them all,
    // as `readv`/`writev` do (both are valid short transfers; wasmtime issues 7757, 8037).
    (
        r"read scattered: ok n=4 data=hell|\x00\x00\x00 pos=4",
        r"read scattered: ok n=7 data=hell|o\x20w pos=7",
    ),
    (
        "write gathered: ok n=2 pos=2 data=ab",
        "write gathered: ok n=4 pos=4 data=abcd",
    ),
    (
        "pwrite gathered: ok n=2 size=12 pos=2",
        "pwrite gathered: ok n=4 size=14 pos=4",
    ),
    (
        r"pread scattered: ok n=2 data=he|\x00\x00\x00",
        r"pread scattered: ok n=5 data=he|llo",
    ),
    (
        "<write stdout gathered: ok n=1",
        "<>write stdout gathered: ok n=2",
    ),
    // Stdio rights: wasmtime reports the read or write right alone (it checks no rights);
    // we also give the `fd_filestat_get` and `poll_fd_readwrite` rights we check.
    (
        "fdstat stdin: ok type=0 flags=0 base=0x2 inheriting=0x2",
        "fdstat stdin: ok type=0 flags=0 base=0x8200002 inheriting=0x0",
    ),
    (
        "fdstat stdout: ok type=0 flags=0 base=0x40 inheriting=0x40",
        "fdstat stdout: ok type=0 flags=0 base=0x8200040 inheriting=0x0",
    ),
    (
        "fdstat stderr: ok type=0 flags=0 base=0x40 inheriting=0x40",
        "fdstat stderr: ok type=0 flags=0 base=0x8200040 inheriting=0x0",
    ),
    // `fd_fdstat_set_rights`: wasmtime answers `ENOTSUP` and enforces no rights; we follow
    // the witx text (rights can be dropped, adding one is `ENOTCAPABLE`) and enforce them.
    (
        "set_rights drop write: 58",
        "set_rights drop write: ok base=0x3fffffbf",
    ),
    ("write without right: ok n=1", "write without right: 76"),
    ("set_rights regain write: 58", "set_rights regain write: 76"),
    ("set_rights none: 58", "set_rights none: ok base=0x0"),
    ("read without rights: ok n=1", "read without rights: 76"),
    ("tell without rights: ok pos=2", "tell without rights: 76"),
    ("filestat without rights: ok", "filestat without rights: 76"),
];

#[test]
fn process_poll_and_socket_edge_cases_match_wasmtime() {
    let expected = include_str!("../../../tests/wasi-guests/expected/probe_misc.stdout");
    matches_wasmtime(
        "probe_misc",
        &["a", "", "ü", "b=c"],
        &[("GREETING", "hi"), ("EMPTY", ""), ("EQ", "x=y=z")],
        expected,
        MISC_DEVIATIONS,
    );
}

/// Where `probe_misc` deliberately differs from wasmtime 50 (docs/wasi-support.md).
const MISC_DEVIATIONS: &[Deviation] = &[
    // A readable file's `nbytes` is the bytes available, as the witx describes it (wasmtime
    // computes them but reports 1).
    (
        "poll_oneoff read file: ok n=1 [ud=0x21 err=0 type=1 nbytes=1 flags=0]",
        "poll_oneoff read file: ok n=1 [ud=0x21 err=0 type=1 nbytes=5 flags=0]",
    ),
    (
        "poll_oneoff read file at end: ok n=1 [ud=0x21 err=0 type=1 nbytes=1 flags=1]",
        "poll_oneoff read file at end: ok n=1 [ud=0x21 err=0 type=1 nbytes=0 flags=1]",
    ),
    // A file polled for the access it was not opened with: `EBADF` for the whole call, as
    // for the other descriptors that cannot do what is asked (wasmtime 50 reports it ready).
    (
        "poll_oneoff read write-only file: ok n=1 [ud=0x21 err=0 type=1 nbytes=1 flags=0]",
        "poll_oneoff read write-only file: 8 nevents-untouched=true",
    ),
    (
        "poll_oneoff write read-only file: ok n=1 [ud=0x22 err=0 type=2 nbytes=1 flags=0]",
        "poll_oneoff write read-only file: 8 nevents-untouched=true",
    ),
    // An expired clock next to a ready descriptor: we report every event that occurred
    // (wasmtime and WAMR drop the clock).
    (
        "poll_oneoff clock 0 + stdout: ok n=1 [ud=0x33 err=0 type=2 nbytes=1 flags=0]",
        "poll_oneoff clock 0 + stdout: ok n=2 [ud=0x32 err=0 type=0] [ud=0x33 err=0 type=2 nbytes=1 flags=0]",
    ),
    (
        "poll_oneoff stdout + clock 0: ok n=1 [ud=0x3c err=0 type=2 nbytes=1 flags=0]",
        "poll_oneoff stdout + clock 0: ok n=2 [ud=0x3c err=0 type=2 nbytes=1 flags=0] [ud=0x3d err=0 type=0]",
    ),
    (
        "poll_oneoff abs past + stdout: ok n=1 [ud=0x3f err=0 type=2 nbytes=1 flags=0]",
        "poll_oneoff abs past + stdout: ok n=2 [ud=0x3e err=0 type=0] [ud=0x3f err=0 type=2 nbytes=1 flags=0]",
    ),
    // Subscriptions beyond the end of memory: `EFAULT` (wasmtime's array size limit answers
    // `ENOMEM` first).
    (
        "poll_oneoff 0x10000000 subscriptions: 48 nevents-untouched=true",
        "poll_oneoff 0x10000000 subscriptions: 21 nevents-untouched=true",
    ),
    // Stdio rights, as in `FD_DEVIATIONS`.
    (
        "fd_fdstat_get 0: ok filetype=0 flags=0x0 rights_base=0x2 rights_inheriting=0x2",
        "fd_fdstat_get 0: ok filetype=0 flags=0x0 rights_base=0x8200002 rights_inheriting=0x0",
    ),
    (
        "fd_fdstat_get 1: ok filetype=0 flags=0x0 rights_base=0x40 rights_inheriting=0x40",
        "fd_fdstat_get 1: ok filetype=0 flags=0x0 rights_base=0x8200040 rights_inheriting=0x0",
    ),
    (
        "fd_fdstat_get 2: ok filetype=0 flags=0x0 rights_base=0x40 rights_inheriting=0x40",
        "fd_fdstat_get 2: ok filetype=0 flags=0x0 rights_base=0x8200040 rights_inheriting=0x0",
    ),
];

#[test]
fn a_preopened_tcp_listener_accepts_and_echoes() {
    use std::io::{BufRead, BufReader, Write};
    let listener = HostTcpListener::bind("127.0.0.1:0".parse().expect("address")).expect("bind");
    let address = listener.local_address().expect("address");
    let client = std::thread::spawn(move || {
        let mut stream = std::net::TcpStream::connect(address).expect("connect");
        stream.write_all(b"ping\nsecond line\n").expect("send");
        stream
            .shutdown(std::net::Shutdown::Write)
            .expect("shutdown");
        BufReader::new(stream)
            .lines()
            .map(|line| line.expect("line"))
            .collect::<Vec<_>>()
    });
    // fd 3 is the preopened directory, so the listener is fd 4.
    let outcome = run_with(
        "tcp_echo",
        &["4"],
        &[],
        b"",
        &Backend::memory(),
        |builder| builder.preopen_socket(Box::new(listener)),
    );
    assert!(outcome.status.success(), "{}", outcome.stderr);
    assert_eq!(client.join().expect("client"), ["PING", "SECOND LINE"]);
    assert_eq!(outcome.stdout, "echoed 2 lines\n");
}

#[test]
fn c_programs_files_and_directories() {
    passes("c/files", "c files ok");
}

#[test]
fn c_programs_process_services_and_exit_status() {
    let outcome = run(
        "c/process",
        &["one", "two"],
        &[("GREETING", "hi")],
        b"",
        &Backend::memory(),
    );
    assert_eq!(outcome.status.code(), 7, "{}", outcome.stdout);
    assert_eq!(outcome.stdout, "c process ok\n");
}

/// The environment the AssemblyScript `hello` program expects (and run_wasmtime.py gives).
const AS_ENVIRONMENT: &[(&str, &str)] = &[("GREETING", "hi"), ("EMPTY", "")];

/// Runs an AssemblyScript program on both backends: it must succeed with exactly `stdout`,
/// print nothing on stderr, touch nothing outside the preopen and leave the host root empty.
fn as_passes(program: &str, stdout: &str) {
    for backend in [Backend::host(), Backend::memory()] {
        let before = backend.outside();
        let outcome = run(program, &[], &[], b"", &backend);
        assert!(
            outcome.status.success(),
            "{program}: {:?}\nstdout:\n{}\nstderr:\n{}",
            outcome.status,
            outcome.stdout,
            outcome.stderr
        );
        assert_eq!(outcome.stdout, stdout, "{program}");
        assert_eq!(outcome.stderr, "", "{program}");
        assert_eq!(
            backend.outside(),
            before,
            "{program} changed files outside the preopen"
        );
        if let Backend::Host(temp) = &backend {
            let left: Vec<_> = std::fs::read_dir(temp.path().join("root"))
                .expect("list root")
                .collect();
            assert!(left.is_empty(), "{program} left {left:?} in the root");
        }
    }
}

#[test]
fn as_programs_streams_arguments_and_environment() {
    let input: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let checksum = input.iter().fold(0u32, |sum, &byte| {
        sum.wrapping_mul(31).wrapping_add(u32::from(byte))
    });
    let outcome = run(
        "as/hello",
        &["one", "two words", "ünïcödé"],
        AS_ENVIRONMENT,
        &input,
        &Backend::memory(),
    );
    assert!(outcome.status.success(), "{}", outcome.stdout);
    assert_eq!(
        outcome.stdout,
        format!(
            "hello from assemblyscript\narg 0: hello.wasm\narg 1: one\narg 2: two words\n\
             arg 3: ünïcödé\nstdin: {} bytes, checksum {checksum}\n",
            input.len()
        )
    );
    assert_eq!(outcome.stderr, "to stderr\n");
}

#[test]
fn as_programs_exit_codes_reach_the_host() {
    for code in [0, 3, 42, 125] {
        let argument = format!("--exit={code}");
        let outcome = run(
            "as/hello",
            &[&argument],
            AS_ENVIRONMENT,
            b"",
            &Backend::memory(),
        );
        assert_eq!(outcome.status.code(), code, "{}", outcome.stdout);
        assert_eq!(
            outcome.stdout,
            format!(
                "hello from assemblyscript\narg 0: hello.wasm\narg 1: {argument}\n\
                 stdin: 0 bytes, checksum 0\n"
            )
        );
    }
}

#[test]
fn as_programs_report_their_own_failures() {
    // Without GREETING and EMPTY, hello's environment check fails: exit status 1 and a message.
    let outcome = run("as/hello", &[], &[], b"", &Backend::memory());
    assert_eq!(outcome.status.code(), 1, "{}", outcome.stdout);
    assert_eq!(
        outcome.stdout,
        "hello from assemblyscript\narg 0: hello.wasm\n\
         FAIL: environment has 0 variables, expected 2\n"
    );
}

#[test]
fn as_programs_clocks_sleep_and_random() {
    as_passes("as/clock_random", "assemblyscript clocks and random ok\n");
}

#[test]
fn as_programs_files_and_directories() {
    as_passes("as/files", "assemblyscript files ok\n");
}
