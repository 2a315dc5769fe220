//! The example apps (examples/apps) run in-process through the facade: the graphics frame is
//! compared pixel by pixel with a golden image, the echo pair talks over loopback in two VM
//! instances at once, denied capabilities keep the network closed, and an app that ends while
//! holding surfaces and sockets leaves nothing open.

use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use virtual_machine::bindings::graphics::GraphicsState;
use virtual_machine::host::graphics::{Display, Framebuffer, InputEvent, PixelFormat};
use virtual_machine::host::host::{HostNetwork, OsRandom, SystemClock, ThreadTask};
use virtual_machine::host::net::{CapabilityNetwork, NetworkCapabilities};
use virtual_machine::host::stdio::CapturedOutput;
use virtual_machine::wasi::WasiContext;
use virtual_machine::{Allocator, ExitStatus, InstanceData, RunOptions, VirtualMachine};

mod common;

#[path = "../../../tests-support/emulated_command.rs"]
mod emulated_command;
use emulated_command::emulated_command;

/// Builds the example apps once per test process and returns their directory.
fn apps() -> &'static Path {
    static DIRECTORY: OnceLock<PathBuf> = OnceLock::new();
    DIRECTORY.get_or_init(|| common::build_guest_workspace("examples/apps", "examples"))
}

fn vm() -> VirtualMachine {
    VirtualMachine::builder()
        .allocator(Allocator::System)
        .wasi()
        .sockets()
        .graphics()
        .build()
        .expect("VM builds")
}

struct Run {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

/// Runs app `name` with `args`, an optional network policy and an optional display.
fn run(
    name: &str,
    args: &[&str],
    network: Option<NetworkCapabilities>,
    display: Option<Arc<Framebuffer>>,
) -> Run {
    let vm = vm();
    let module = vm
        .load(std::fs::read(apps().join(format!("{name}.wasm"))).expect("app built"))
        .expect("app loads");
    let stdout = CapturedOutput::new();
    let stderr = CapturedOutput::new();
    let mut context = WasiContext::builder()
        .arg(format!("{name}.wasm"))
        .args(args.iter().copied())
        .stdout(Box::new(stdout.clone()))
        .stderr(Box::new(stderr.clone()))
        .clock(Arc::new(SystemClock))
        .random(Arc::new(OsRandom))
        .task(Arc::new(ThreadTask));
    if let Some(capabilities) = network {
        context = context.network(Arc::new(CapabilityNetwork::new(HostNetwork, capabilities)));
    }
    let mut data = InstanceData::new();
    data.insert(context.build().expect("WASI context"));
    if let Some(framebuffer) = display {
        data.insert(GraphicsState::new(framebuffer as Arc<dyn Display>));
    }
    let mut instance = vm.instantiate(&module, data).expect("app instantiates");
    let status = vm
        .run_instance(&mut instance, &RunOptions::new())
        .unwrap_or_else(|error| panic!("{name} failed: {error}"));
    Run {
        status,
        stdout: String::from_utf8_lossy(&stdout.contents()).into_owned(),
        stderr: String::from_utf8_lossy(&stderr.contents()).into_owned(),
    }
}

fn loopback(port: u16) -> NetworkCapabilities {
    NetworkCapabilities::deny_all()
        .allow_parsed(&format!("127.0.0.1:{port}"))
        .expect("valid rule")
}

/// A port that is free right now.
fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("free port")
        .port()
}

fn read_png(path: &Path) -> (u32, u32, Vec<u8>) {
    let bytes = std::fs::read(path).expect("golden image");
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("PNG header");
    let mut pixels = vec![0; reader.output_buffer_size().expect("size fits")];
    let info = reader.next_frame(&mut pixels).expect("PNG frame");
    pixels.truncate(info.buffer_size());
    (info.width, info.height, pixels)
}

#[test]
fn the_graphics_example_draws_exactly_the_golden_frame() {
    let framebuffer =
        Arc::new(Framebuffer::new(320, 240, PixelFormat::Rgb565).expect("framebuffer"));
    framebuffer.push_input(InputEvent::PointerDown { x: 100, y: 80 });
    let outcome = run("graphics", &[], None, Some(framebuffer.clone()));
    assert!(outcome.status.success(), "{}", outcome.stdout);
    assert!(
        outcome.stdout.contains("pointer down at (100, 80)"),
        "{}",
        outcome.stdout
    );
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/graphics.png");
    if std::env::var_os("XILA_UPDATE_GOLDEN").is_some() {
        framebuffer.save_png(&golden).expect("write golden image");
    }
    let (width, height, pixels) = read_png(&golden);
    assert_eq!((width, height), (320, 240));
    assert!(
        framebuffer.to_rgb_bytes() == pixels,
        "the frame differs from tests/golden/graphics.png (XILA_UPDATE_GOLDEN=1 rewrites it)"
    );
    // The app ended: its surfaces are gone with its instance, only our handle remains.
    assert_eq!(Arc::strong_count(&framebuffer), 1);
}

#[test]
fn the_echo_pair_round_trips_over_loopback_in_two_instances() {
    let port = free_port();
    let address = format!("127.0.0.1:{port}");
    let server = {
        let address = address.clone();
        std::thread::spawn(move || run("echo-server", &[&address], Some(loopback(port)), None))
    };
    let client = run(
        "echo-client",
        &[&address, "hello over loopback"],
        Some(loopback(port)),
        None,
    );
    let server = server.join().expect("server thread");
    assert!(client.status.success(), "client: {}", client.stdout);
    assert!(
        client.stdout.contains("echo: hello over loopback"),
        "{}",
        client.stdout
    );
    assert!(server.status.success(), "server: {}", server.stdout);
    // The server ended holding its listener: the port is free again.
    StdListener::bind(&address).expect("the guest's sockets were closed");
}

#[test]
fn without_a_capability_nothing_reaches_the_network() {
    let listener = StdListener::bind("127.0.0.1:0").expect("host listener");
    let port = listener.local_addr().expect("address").port();
    listener.set_nonblocking(true).expect("non-blocking");
    let address = format!("127.0.0.1:{port}");
    // A policy for another port, and no policy at all.
    for network in [Some(loopback(port.wrapping_add(1).max(1))), None] {
        let outcome = run("echo-client", &[&address, "denied"], network, None);
        assert!(
            !outcome.status.success(),
            "the client connected: {}",
            outcome.stdout
        );
        // EACCES, decided before any connection attempt.
        assert!(
            outcome.stderr.contains("errno 2 (acces)"),
            "{}",
            outcome.stderr
        );
    }
    assert!(
        listener.accept().is_err(),
        "a connection reached the host listener"
    );
}

/// The budget issue 6 sets for `hello`: the whole VM (runtime, module, instance, linear
/// memory, stack) in a pool of 256 KiB.
const SMALL_POOL: usize = 256 * 1024;
/// The wasm operand stack of the small-device setting (`docs/guest-profile.md`).
const SMALL_STACK: u32 = 8 * 1024;
/// Set in the child process of `hello_runs_in_a_256_kib_pool` to the path of `hello.wasm`.
const SMALL_POOL_CHILD: &str = "XILA_TEST_SMALL_POOL_HELLO";
const SMALL_POOL_TEST: &str = "hello_runs_in_a_256_kib_pool";

/// `hello`, built with the apps' guest profile, runs in a 256 KiB pool with an 8 KiB stack.
///
/// The runtime and its allocator are process-wide and the other tests here use the system
/// allocator, so the test runs this test binary again, filtered to this test alone, with the
/// app's path in `SMALL_POOL_CHILD`; that child process builds the only VM of its process.
#[test]
fn hello_runs_in_a_256_kib_pool() {
    if let Some(hello) = std::env::var_os(SMALL_POOL_CHILD) {
        run_hello_in_small_pool(Path::new(&hello));
        return;
    }
    let hello = apps().join("hello.wasm");
    let child = this_test_binary()
        .args([
            SMALL_POOL_TEST,
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(SMALL_POOL_CHILD, &hello)
        .output()
        .expect("the test binary starts again");
    let stdout = String::from_utf8_lossy(&child.stdout);
    let stderr = String::from_utf8_lossy(&child.stderr);
    assert!(
        child.status.success(),
        "hello in a {SMALL_POOL}-byte pool failed:\n{stdout}\n{stderr}"
    );
    // A filter that matched nothing would pass as well: the child must have run the test.
    assert!(stdout.contains("1 passed"), "{stdout}");
}

/// This test binary as a command (started by the emulator under cross tests).
fn this_test_binary() -> Command {
    emulated_command(std::env::current_exe().expect("test binary path"))
}

/// The child's side of `hello_runs_in_a_256_kib_pool`.
fn run_hello_in_small_pool(hello: &Path) {
    let vm = VirtualMachine::builder()
        .allocator(Allocator::Pool { size: SMALL_POOL })
        .stack_size(SMALL_STACK)
        .wasi()
        .sockets()
        .graphics()
        .build()
        .expect("VM builds");
    assert_eq!(
        vm.runtime_memory_usage().capacity,
        Some(SMALL_POOL),
        "another VM chose the process's allocator first"
    );
    let module = vm
        .load(std::fs::read(hello).expect("app built"))
        .expect("hello loads in the pool");
    let loaded = vm.runtime_memory_usage().in_use;
    let stdout = CapturedOutput::new();
    let context = WasiContext::builder()
        .args(["hello.wasm", "Xila", "42"])
        .stdout(Box::new(stdout.clone()))
        .clock(Arc::new(SystemClock))
        .random(Arc::new(OsRandom))
        .task(Arc::new(ThreadTask))
        .build()
        .expect("WASI context");
    let mut data = InstanceData::new();
    data.insert(context);
    let mut instance = vm
        .instantiate(&module, data)
        .expect("hello instantiates in the pool");
    let usage = vm.runtime_memory_usage();
    // The pool holds the linear memory too (one 64 KiB page with the guest profile): were it
    // mapped outside, this test would prove nothing about the budget.
    assert!(
        usage.in_use - loaded >= 64 * 1024,
        "the linear memory is not in the pool: {usage:?}, {loaded} bytes after loading"
    );
    let status = vm
        .run_instance(&mut instance, &RunOptions::new())
        .expect("hello runs in the pool");
    assert!(status.success(), "{status:?}");
    assert_eq!(
        String::from_utf8_lossy(&stdout.contents()),
        "Hello from a Xila app!\n2 argument(s): [\"Xila\", \"42\"]\n"
    );
    println!(
        "hello in a {SMALL_POOL}-byte pool: {} bytes after loading, peak {} bytes",
        loaded,
        vm.runtime_memory_usage().peak
    );
}
