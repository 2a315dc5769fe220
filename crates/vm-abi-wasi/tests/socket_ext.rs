//! WAMR's socket extension (`vm_abi_wasi::socket_ext`) through the raw ABI: a WAT guest
//! re-exports each import, the test calls it with the arguments it chooses and reads results
//! from guest memory; the peer is a host socket on loopback.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use vm_abi_wasi::socket_ext::{ADDR_INFO_SIZE, encode_address};
use vm_abi_wasi::{Errno, WasiContext};
use vm_core::{Instance, InstanceData, Limits, Linker, Module, Runtime, RuntimeConfig, Value};
use vm_host::host::{HostNetwork, OsRandom, SystemClock, ThreadTask};
use vm_host::net::{CapabilityNetwork, Network, NetworkCapabilities};

const I: &str = "i32";
const L: &str = "i64";

/// The imports the test module re-exports, with their parameter types.
const FUNCTIONS: &[(&str, &[&str])] = &[
    ("sock_open", &[I, I, I, I]),
    ("sock_bind", &[I, I]),
    ("sock_connect", &[I, I]),
    ("sock_listen", &[I, I]),
    ("sock_addr_local", &[I, I]),
    ("sock_addr_remote", &[I, I]),
    ("sock_addr_resolve", &[I, I, I, I, I, I]),
    ("sock_send_to", &[I, I, I, I, I, I]),
    ("sock_recv_from", &[I, I, I, I, I, I]),
    ("sock_close", &[I]),
    ("sock_accept", &[I, I, I]),
    ("sock_recv", &[I, I, I, I, I, I]),
    ("sock_send", &[I, I, I, I, I]),
    ("sock_shutdown", &[I, I]),
    ("sock_set_tcp_no_delay", &[I, I]),
    ("sock_get_tcp_no_delay", &[I, I]),
    ("sock_set_recv_timeout", &[I, L]),
    ("sock_get_recv_timeout", &[I, I]),
    ("sock_get_reuse_port", &[I, I]),
    ("fd_read", &[I, I, I, I]),
    ("fd_write", &[I, I, I, I]),
    ("fd_close", &[I]),
    ("fd_fdstat_set_flags", &[I, I]),
    ("poll_oneoff", &[I, I, I, I]),
];

// Guest memory layout used by the tests.
const FD_OUT: u32 = 0;
const ADDR: u32 = 16;
const ADDR2: u32 = 48;
const IOVEC: u32 = 128;
const COUNT: u32 = 160;
const HINTS: u32 = 192;
const HOST: u32 = 224;
const SERVICE: u32 = 256;
const SUBSCRIPTIONS: u32 = 1024;
const EVENTS: u32 = 2048;
const RESOLVED: u32 = 4096;
const DATA: u32 = 8192;

fn runtime() -> &'static Runtime {
    Runtime::get_or_initialize(RuntimeConfig::default).expect("runtime starts")
}

fn linker() -> Linker {
    static LINKER: OnceLock<Linker> = OnceLock::new();
    LINKER
        .get_or_init(|| {
            let mut linker = Linker::new(runtime());
            vm_abi_wasi::define(&mut linker).expect("WASI registers");
            vm_abi_wasi::socket_ext::define(&mut linker).expect("socket extension registers");
            linker
        })
        .clone()
}

fn module() -> Module {
    let mut text = String::from("(module\n");
    for (name, params) in FUNCTIONS {
        text.push_str(&format!(
            "  (import \"wasi_snapshot_preview1\" \"{name}\" (func ${name} (param {}) (result i32)))\n",
            params.join(" ")
        ));
    }
    text.push_str("  (memory (export \"memory\") 1)\n");
    for (name, params) in FUNCTIONS {
        let forwards: String = (0..params.len())
            .map(|index| format!(" (local.get {index})"))
            .collect();
        text.push_str(&format!(
            "  (func (export \"{name}\") (param {}) (result i32) (call ${name}{forwards}))\n",
            params.join(" ")
        ));
    }
    text.push(')');
    Module::from_bytes(runtime(), wat::parse_str(&text).expect("valid WAT")).expect("module loads")
}

struct Guest {
    instance: Instance,
}

fn errno(errno: Errno) -> i32 {
    i32::from(errno.raw())
}

fn v32(value: u32) -> Value {
    Value::I32(value as i32)
}

impl Guest {
    /// A guest with `network` (none: networking denied).
    fn new(network: Option<Arc<dyn Network>>) -> Self {
        let mut builder = WasiContext::builder()
            .clock(Arc::new(SystemClock))
            .random(Arc::new(OsRandom))
            .task(Arc::new(ThreadTask));
        if let Some(network) = network {
            builder = builder.network(network);
        }
        let mut data = InstanceData::new();
        data.insert(builder.build().expect("context builds"));
        let instance = Instance::new(runtime(), &module(), &linker(), Limits::default(), data)
            .expect("instantiates");
        Self { instance }
    }

    /// A guest allowed `rules` (and name resolution when `resolve`).
    fn allowed(rules: &[&str], resolve: bool) -> Self {
        let mut capabilities = NetworkCapabilities::deny_all().allow_resolve(resolve);
        for rule in rules {
            capabilities = capabilities.allow_parsed(rule).expect("valid rule");
        }
        Self::new(Some(Arc::new(CapabilityNetwork::new(
            HostNetwork,
            capabilities,
        ))))
    }

    fn call(&mut self, name: &str, args: &[u32]) -> i32 {
        let args: Vec<Value> = args.iter().copied().map(v32).collect();
        self.call_values(name, &args)
    }

    fn call_values(&mut self, name: &str, args: &[Value]) -> i32 {
        match self
            .instance
            .call(name, args)
            .expect("call succeeds")
            .as_slice()
        {
            [Value::I32(result)] => *result,
            other => panic!("{name} returned {other:?}"),
        }
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) {
        self.instance
            .memory()
            .expect("memory")
            .write_bytes(offset, bytes)
            .expect("in memory");
    }

    fn read(&mut self, offset: u32, length: u32) -> Vec<u8> {
        self.instance
            .memory()
            .expect("memory")
            .bytes(offset, length)
            .expect("in memory")
            .to_vec()
    }

    fn u32_at(&mut self, offset: u32) -> u32 {
        u32::from_le_bytes(self.read(offset, 4).try_into().expect("4 bytes"))
    }

    fn set_address(&mut self, offset: u32, address: SocketAddr) {
        self.write(offset, &encode_address(address));
    }

    fn address_at(&mut self, offset: u32) -> SocketAddr {
        let bytes = self.read(offset, 24);
        let port = |at: usize| u16::from_le_bytes([bytes[at], bytes[at + 1]]);
        match bytes[0] {
            0 => SocketAddr::from(([bytes[4], bytes[5], bytes[6], bytes[7]], port(8))),
            _ => {
                let groups: Vec<u16> = (0..8).map(|index| port(4 + 2 * index)).collect();
                let groups: [u16; 8] = groups.try_into().expect("8 groups");
                SocketAddr::from((groups, port(20)))
            }
        }
    }

    /// `sock_open`, returning the new fd.
    fn open(&mut self, af: u32, kind: u32) -> u32 {
        assert_eq!(self.call("sock_open", &[0, af, kind, FD_OUT]), 0);
        self.u32_at(FD_OUT)
    }

    /// Sends `data` with `sock_send` on `fd`.
    fn send(&mut self, fd: u32, data: &[u8]) -> i32 {
        self.write(DATA, data);
        self.write_iovec(DATA, data.len() as u32);
        self.call("sock_send", &[fd, IOVEC, 1, 0, COUNT])
    }

    fn write_iovec(&mut self, buffer: u32, length: u32) {
        let mut bytes = buffer.to_le_bytes().to_vec();
        bytes.extend_from_slice(&length.to_le_bytes());
        self.write(IOVEC, &bytes);
    }

    /// Receives exactly `length` bytes on `fd` with `fd_read`.
    fn receive_exact(&mut self, fd: u32, length: u32) -> Vec<u8> {
        let mut received = Vec::new();
        while (received.len() as u32) < length {
            self.write_iovec(DATA, length - received.len() as u32);
            assert_eq!(self.call("fd_read", &[fd, IOVEC, 1, COUNT]), 0);
            let count = self.u32_at(COUNT);
            assert!(count > 0, "peer closed early");
            received.extend(self.read(DATA, count));
        }
        received
    }
}

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

#[test]
fn guest_connects_to_a_host_listener_and_echoes() {
    let listener = TcpListener::bind(loopback(0)).unwrap();
    let address = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut buffer = [0u8; 5];
        stream.read_exact(&mut buffer).unwrap();
        stream.write_all(&buffer).unwrap();
        buffer
    });
    let mut guest = Guest::allowed(&[&format!("127.0.0.1:{}", address.port())], false);
    let fd = guest.open(0, 1);
    guest.set_address(ADDR, address);
    assert_eq!(guest.call("sock_connect", &[fd, ADDR]), 0);
    assert_eq!(
        guest.call("sock_connect", &[fd, ADDR]),
        errno(Errno::IsConnected)
    );
    assert_eq!(guest.call("sock_addr_remote", &[fd, ADDR2]), 0);
    assert_eq!(guest.address_at(ADDR2), address);
    assert_eq!(guest.call("sock_addr_local", &[fd, ADDR2]), 0);
    assert_eq!(guest.address_at(ADDR2).ip(), address.ip());

    assert_eq!(guest.call("sock_set_tcp_no_delay", &[fd, 1]), 0);
    assert_eq!(guest.call("sock_get_tcp_no_delay", &[fd, DATA]), 0);
    assert_eq!(guest.read(DATA, 1), [1]);
    assert_eq!(
        guest.call_values("sock_set_recv_timeout", &[v32(fd), Value::I64(3_000_000)]),
        0
    );
    assert_eq!(guest.call("sock_get_recv_timeout", &[fd, DATA]), 0);
    assert_eq!(guest.read(DATA, 8), 3_000_000u64.to_le_bytes());
    assert_eq!(
        guest.call("sock_get_reuse_port", &[fd, DATA]),
        errno(Errno::NotSupported)
    );

    assert_eq!(guest.send(fd, b"hello"), 0);
    assert_eq!(guest.u32_at(COUNT), 5);
    assert_eq!(guest.receive_exact(fd, 5), b"hello");
    assert_eq!(&server.join().unwrap(), b"hello");
    assert_eq!(guest.call("sock_close", &[fd]), 0);
    assert_eq!(
        guest.call("sock_close", &[fd]),
        errno(Errno::BadFileDescriptor)
    );
}

#[test]
fn guest_listens_and_a_host_client_connects() {
    let mut guest = Guest::allowed(&["127.0.0.1"], false);
    let fd = guest.open(0, 1);
    assert_eq!(
        guest.call("sock_listen", &[fd, 4]),
        errno(Errno::DestinationAddressRequired)
    );
    guest.set_address(ADDR, loopback(0));
    assert_eq!(guest.call("sock_bind", &[fd, ADDR]), 0);
    assert_eq!(guest.call("sock_listen", &[fd, 4]), 0);
    assert_eq!(guest.call("sock_addr_local", &[fd, ADDR2]), 0);
    let address = guest.address_at(ADDR2);
    assert_ne!(address.port(), 0);

    let client = std::thread::spawn(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream.write_all(b"ping").unwrap();
        let mut reply = [0u8; 4];
        stream.read_exact(&mut reply).unwrap();
        reply
    });
    assert_eq!(guest.call("sock_accept", &[fd, 0, FD_OUT]), 0);
    let connection = guest.u32_at(FD_OUT);
    assert_eq!(guest.receive_exact(connection, 4), b"ping");
    guest.write(DATA, b"pong");
    guest.write_iovec(DATA, 4);
    assert_eq!(guest.call("fd_write", &[connection, IOVEC, 1, COUNT]), 0);
    assert_eq!(&client.join().unwrap(), b"pong");
    assert_eq!(guest.call("fd_close", &[connection]), 0);
    assert_eq!(guest.call("fd_close", &[fd]), 0);
}

#[test]
fn udp_send_to_and_recv_from_round_trip() {
    let peer = UdpSocket::bind(loopback(0)).unwrap();
    peer.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let peer_address = peer.local_addr().unwrap();
    let mut guest = Guest::allowed(&[&format!("127.0.0.1:{}", peer_address.port())], false);
    let fd = guest.open(0, 0);
    guest.set_address(ADDR, peer_address);
    guest.write(DATA, b"datagram");
    guest.write_iovec(DATA, 8);
    // Unbound: the first send binds an ephemeral port.
    assert_eq!(
        guest.call("sock_send_to", &[fd, IOVEC, 1, 0, ADDR, COUNT]),
        0
    );
    assert_eq!(guest.u32_at(COUNT), 8);
    let mut buffer = [0u8; 16];
    let (count, from) = peer.recv_from(&mut buffer).unwrap();
    assert_eq!(&buffer[..count], b"datagram");
    assert_eq!(guest.call("sock_addr_local", &[fd, ADDR2]), 0);
    assert_eq!(guest.address_at(ADDR2).port(), from.port());

    peer.send_to(b"reply", from).unwrap();
    guest.write_iovec(DATA, 64);
    assert_eq!(
        guest.call("sock_recv_from", &[fd, IOVEC, 1, 0, ADDR2, COUNT]),
        0
    );
    assert_eq!(guest.u32_at(COUNT), 5);
    assert_eq!(guest.read(DATA, 5), b"reply");
    assert_eq!(guest.address_at(ADDR2), peer_address);

    // A destination outside the rules is refused and nothing is sent.
    guest.set_address(ADDR, loopback(peer_address.port().wrapping_add(1)));
    assert_eq!(
        guest.call("sock_send_to", &[fd, IOVEC, 1, 0, ADDR, COUNT]),
        errno(Errno::Access)
    );
}

#[test]
fn name_resolution_needs_the_capability() {
    let mut guest = Guest::allowed(&[], true);
    guest.write(HOST, b"localhost\0");
    guest.write(SERVICE, b"80\0");
    // hints: type STREAM, family INET4, enabled.
    let mut hints = 1i32.to_le_bytes().to_vec();
    hints.extend_from_slice(&0u32.to_le_bytes());
    hints.extend_from_slice(&[1, 0, 0, 0]);
    guest.write(HINTS, &hints);
    assert_eq!(
        guest.call(
            "sock_addr_resolve",
            &[HOST, SERVICE, HINTS, RESOLVED, 4, COUNT]
        ),
        0
    );
    let total = guest.u32_at(COUNT);
    assert!(total >= 1);
    assert_eq!(guest.address_at(RESOLVED), loopback(80));
    assert_eq!(guest.u32_at(RESOLVED + 24), 1, "SOCKET_STREAM");
    // Room for none: only the total is written.
    assert_eq!(
        guest.call(
            "sock_addr_resolve",
            &[HOST, SERVICE, HINTS, RESOLVED, 0, COUNT]
        ),
        0
    );
    assert_eq!(guest.u32_at(COUNT), total);
    // Wild pointers.
    assert_eq!(
        guest.call(
            "sock_addr_resolve",
            &[HOST, SERVICE, HINTS, 65_528, 4, COUNT]
        ),
        errno(Errno::Fault)
    );
    assert_eq!(
        guest.call(
            "sock_addr_resolve",
            &[HOST, SERVICE, HINTS, RESOLVED, u32::MAX, COUNT]
        ),
        errno(Errno::Invalid)
    );
    assert_eq!(
        guest.call(
            "sock_addr_resolve",
            &[70_000, SERVICE, HINTS, RESOLVED, 4, COUNT]
        ),
        errno(Errno::Fault)
    );
    let _ = ADDR_INFO_SIZE;

    let mut denied = Guest::allowed(&["127.0.0.1"], false);
    denied.write(HOST, b"localhost\0");
    denied.write(SERVICE, b"\0");
    denied.write(HINTS, &hints);
    assert_eq!(
        denied.call(
            "sock_addr_resolve",
            &[HOST, SERVICE, HINTS, RESOLVED, 4, COUNT]
        ),
        errno(Errno::Access)
    );
    let mut no_network = Guest::new(None);
    no_network.write(HOST, b"localhost\0");
    no_network.write(SERVICE, b"\0");
    no_network.write(HINTS, &hints);
    assert_eq!(
        no_network.call(
            "sock_addr_resolve",
            &[HOST, SERVICE, HINTS, RESOLVED, 4, COUNT]
        ),
        errno(Errno::Access)
    );
}

#[test]
fn denied_connections_never_reach_the_listener() {
    let listener = TcpListener::bind(loopback(0)).unwrap();
    listener.set_nonblocking(true).unwrap();
    let address = listener.local_addr().unwrap();
    let mut guest = Guest::allowed(&["127.0.0.1:1-2"], false);
    let fd = guest.open(0, 1);
    guest.set_address(ADDR, address);
    assert_eq!(
        guest.call("sock_connect", &[fd, ADDR]),
        errno(Errno::Access)
    );
    // A bind outside the rules is refused at bind.
    assert_eq!(guest.call("sock_bind", &[fd, ADDR]), errno(Errno::Access));
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(
        listener.accept().map(|_| ()).unwrap_err().kind(),
        std::io::ErrorKind::WouldBlock
    );

    // Without a network, nothing can be opened.
    let mut no_network = Guest::new(None);
    assert_eq!(
        no_network.call("sock_open", &[0, 0, 1, FD_OUT]),
        errno(Errno::Access)
    );
}

#[test]
fn bad_descriptors_pointers_and_families() {
    let mut guest = Guest::allowed(&["127.0.0.1"], false);
    // Families and types.
    assert_eq!(
        guest.call("sock_open", &[0, 2, 1, FD_OUT]),
        errno(Errno::AddressFamilyNotSupported)
    );
    assert_eq!(
        guest.call("sock_open", &[0, 0, 7, FD_OUT]),
        errno(Errno::Invalid)
    );
    assert_eq!(
        guest.call("sock_open", &[0, 0, 1, 65_535]),
        errno(Errno::Fault)
    );
    assert_eq!(
        guest.call("sock_open", &[0, 0, 1, 2]),
        errno(Errno::Invalid)
    );
    let fd = guest.open(0, 1);
    // An address of another family, and an unknown kind.
    guest.set_address(ADDR, "[::1]:80".parse().unwrap());
    assert_eq!(
        guest.call("sock_connect", &[fd, ADDR]),
        errno(Errno::AddressFamilyNotSupported)
    );
    guest.write(ADDR, &9u32.to_le_bytes());
    assert_eq!(
        guest.call("sock_bind", &[fd, ADDR]),
        errno(Errno::AddressFamilyNotSupported)
    );
    // Wild and misaligned pointers.
    assert_eq!(guest.call("sock_bind", &[fd, 65_528]), errno(Errno::Fault));
    assert_eq!(
        guest.call("sock_bind", &[fd, ADDR + 1]),
        errno(Errno::Invalid)
    );
    assert_eq!(
        guest.call("sock_addr_local", &[fd, u32::MAX - 3]),
        errno(Errno::Fault)
    );
    // Bad descriptors: closed, and not a socket (the address is decoded first).
    guest.set_address(ADDR, loopback(1));
    assert_eq!(
        guest.call("sock_bind", &[99, ADDR]),
        errno(Errno::BadFileDescriptor)
    );
    guest.set_address(ADDR, loopback(1));
    assert_eq!(
        guest.call("sock_connect", &[1, ADDR]),
        errno(Errno::NotSocket)
    );
    assert_eq!(guest.call("sock_listen", &[2, 1]), errno(Errno::NotSocket));
    assert_eq!(guest.call("sock_close", &[0]), errno(Errno::NotSocket));
    assert_eq!(
        guest.call("sock_get_reuse_port", &[99, DATA]),
        errno(Errno::BadFileDescriptor)
    );
    // Not connected yet.
    assert_eq!(
        guest.call("sock_addr_remote", &[fd, ADDR2]),
        errno(Errno::NotConnected)
    );
    assert_eq!(guest.send(fd, b"x"), errno(Errno::NotConnected));
    // A refused connection.
    let closed_port = {
        let listener = TcpListener::bind(loopback(0)).unwrap();
        listener.local_addr().unwrap().port()
    };
    guest.set_address(ADDR, loopback(closed_port));
    assert_eq!(
        guest.call("sock_connect", &[fd, ADDR]),
        errno(Errno::ConnectionRefused)
    );
}

/// Writes a `subscription_t` for `fd_read` on `fd` at `index`.
fn subscribe_read(guest: &mut Guest, index: u32, userdata: u64, fd: u32) {
    let mut bytes = [0u8; 48];
    bytes[0..8].copy_from_slice(&userdata.to_le_bytes());
    bytes[8] = 1; // FD_READ
    bytes[16..20].copy_from_slice(&fd.to_le_bytes());
    guest.write(SUBSCRIPTIONS + 48 * index, &bytes);
}

/// Writes a relative monotonic clock `subscription_t` at `index`.
fn subscribe_clock(guest: &mut Guest, index: u32, userdata: u64, nanoseconds: u64) {
    let mut bytes = [0u8; 48];
    bytes[0..8].copy_from_slice(&userdata.to_le_bytes());
    bytes[8] = 0; // CLOCK
    bytes[16..20].copy_from_slice(&1u32.to_le_bytes()); // MONOTONIC
    bytes[24..32].copy_from_slice(&nanoseconds.to_le_bytes());
    guest.write(SUBSCRIPTIONS + 48 * index, &bytes);
}

#[test]
fn poll_oneoff_waits_for_a_socket_to_become_readable() {
    let listener = TcpListener::bind(loopback(0)).unwrap();
    let address = listener.local_addr().unwrap();
    let mut guest = Guest::allowed(&[&format!("127.0.0.1:{}", address.port())], false);
    let fd = guest.open(0, 1);
    guest.set_address(ADDR, address);
    assert_eq!(guest.call("sock_connect", &[fd, ADDR]), 0);
    let (mut server, _) = listener.accept().unwrap();

    // Nothing to read: the clock (50 ms) fires, the socket does not.
    subscribe_read(&mut guest, 0, 7, fd);
    subscribe_clock(&mut guest, 1, 9, 50_000_000);
    let started = Instant::now();
    assert_eq!(
        guest.call("poll_oneoff", &[SUBSCRIPTIONS, EVENTS, 2, COUNT]),
        0
    );
    assert!(started.elapsed() >= Duration::from_millis(45));
    assert_eq!(guest.u32_at(COUNT), 1);
    assert_eq!(guest.read(EVENTS, 8), 9u64.to_le_bytes());

    // Data arrives after 100 ms, well before the 10 s clock.
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        server.write_all(b"ready").unwrap();
        server
    });
    subscribe_clock(&mut guest, 1, 9, 10_000_000_000);
    let started = Instant::now();
    assert_eq!(
        guest.call("poll_oneoff", &[SUBSCRIPTIONS, EVENTS, 2, COUNT]),
        0
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(guest.u32_at(COUNT), 1);
    assert_eq!(guest.read(EVENTS, 8), 7u64.to_le_bytes());
    assert_eq!(guest.read(EVENTS + 10, 1), [1], "FD_READ event");
    // Polling consumed nothing.
    assert_eq!(guest.receive_exact(fd, 5), b"ready");

    // The peer closes: readable with hang-up.
    drop(writer.join().unwrap());
    subscribe_read(&mut guest, 0, 7, fd);
    assert_eq!(
        guest.call("poll_oneoff", &[SUBSCRIPTIONS, EVENTS, 1, COUNT]),
        0
    );
    assert_eq!(guest.u32_at(COUNT), 1);
    assert_eq!(guest.read(EVENTS + 24, 2), [1, 0], "fd_readwrite_hangup");
}

#[test]
fn non_blocking_sockets_report_eagain() {
    let mut guest = Guest::allowed(&["127.0.0.1"], false);
    let fd = guest.open(0, 1);
    guest.set_address(ADDR, loopback(0));
    assert_eq!(guest.call("sock_bind", &[fd, ADDR]), 0);
    // NONBLOCK before the listener exists is applied when it is created.
    assert_eq!(guest.call("fd_fdstat_set_flags", &[fd, 4]), 0);
    assert_eq!(guest.call("sock_listen", &[fd, 1]), 0);
    assert_eq!(
        guest.call("sock_accept", &[fd, 0, FD_OUT]),
        errno(Errno::Again)
    );

    let udp = guest.open(0, 0);
    guest.set_address(ADDR, loopback(0));
    assert_eq!(guest.call("sock_bind", &[udp, ADDR]), 0);
    assert_eq!(guest.call("fd_fdstat_set_flags", &[udp, 4]), 0);
    guest.write_iovec(DATA, 16);
    assert_eq!(
        guest.call("sock_recv_from", &[udp, IOVEC, 1, 0, ADDR2, COUNT]),
        errno(Errno::Again)
    );
}
