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

#[test]
fn path_edge_cases_match_wasmtime() {
    let expected = include_str!("../../../tests/wasi-guests/expected/probe.stdout");
    for backend in [Backend::host(), Backend::memory()] {
        let outcome = run("probe", &[], &[], b"", &backend);
        assert!(outcome.status.success(), "{}", outcome.stderr);
        let differences: Vec<String> = expected
            .lines()
            .zip(outcome.stdout.lines())
            .filter(|(want, got)| want != got)
            .map(|(want, got)| format!("wasmtime: {want:<28} ours: {got}"))
            .collect();
        assert!(
            differences.is_empty() && expected.lines().count() == outcome.stdout.lines().count(),
            "differences from wasmtime:\n{}\nfull output:\n{}",
            differences.join("\n"),
            outcome.stdout
        );
    }
}

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
