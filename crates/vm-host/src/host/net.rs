//! The network over `std::net`: [`HostNetwork`] and its TCP and UDP sockets.
//!
//! Readiness and the options `std::net` lacks (`SO_REUSEADDR`, `SO_KEEPALIVE`, buffer sizes)
//! use `rustix` on unix (`poll` with a zero timeout, `setsockopt`); elsewhere sockets are
//! always reported ready and those options are unsupported.

use std::boxed::Box;
use std::io::{self, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, ToSocketAddrs};
use std::vec::Vec;

use crate::net::{
    Interest, NetError, Network, SocketOption, SocketOptionName, TcpListener, TcpStream, UdpSocket,
};

/// Maps an I/O error of a socket call to the adapter's error.
pub fn io_to_net_error(error: &io::Error) -> NetError {
    match error.kind() {
        io::ErrorKind::WouldBlock => NetError::WouldBlock,
        io::ErrorKind::ConnectionReset => NetError::ConnectionReset,
        io::ErrorKind::ConnectionAborted => NetError::ConnectionAborted,
        io::ErrorKind::ConnectionRefused => NetError::ConnectionRefused,
        io::ErrorKind::NotConnected => NetError::NotConnected,
        io::ErrorKind::BrokenPipe => NetError::BrokenPipe,
        io::ErrorKind::Interrupted => NetError::Interrupted,
        io::ErrorKind::InvalidInput => NetError::InvalidInput,
        io::ErrorKind::Unsupported => NetError::Unsupported,
        io::ErrorKind::AddrInUse => NetError::AddressInUse,
        io::ErrorKind::AddrNotAvailable => NetError::AddressNotAvailable,
        io::ErrorKind::TimedOut => NetError::TimedOut,
        io::ErrorKind::PermissionDenied => NetError::PermissionDenied,
        io::ErrorKind::HostUnreachable | io::ErrorKind::NetworkUnreachable => {
            NetError::HostUnreachable
        }
        _ => NetError::Io,
    }
}

fn net<T>(result: io::Result<T>) -> Result<T, NetError> {
    result.map_err(|error| io_to_net_error(&error))
}

/// The host's network stack through `std::net`. It has no policy of its own: wrap it in a
/// [`CapabilityNetwork`](crate::net::CapabilityNetwork) before giving it to guests.
#[derive(Debug, Clone, Copy, Default)]
pub struct HostNetwork;

impl Network for HostNetwork {
    fn tcp_connect(&self, address: SocketAddr) -> Result<Box<dyn TcpStream>, NetError> {
        let stream = net(std::net::TcpStream::connect(address))?;
        Ok(Box::new(HostTcpStream(stream)))
    }

    fn tcp_listen(
        &self,
        address: SocketAddr,
        _backlog: u32,
    ) -> Result<Box<dyn TcpListener>, NetError> {
        // `std::net` chooses the backlog (128) itself; the guest's value is a hint.
        let listener = net(std::net::TcpListener::bind(address))?;
        Ok(Box::new(HostTcpListener(listener)))
    }

    fn udp_bind(&self, address: SocketAddr) -> Result<Box<dyn UdpSocket>, NetError> {
        let socket = net(std::net::UdpSocket::bind(address))?;
        Ok(Box::new(HostUdpSocket(socket)))
    }

    fn resolve(&self, host: &str) -> Result<Vec<IpAddr>, NetError> {
        // `ToSocketAddrs` wants a port; resolution does not depend on it.
        let addresses =
            (host, 0u16)
                .to_socket_addrs()
                .map_err(|error| match io_to_net_error(&error) {
                    NetError::Io => NetError::NameNotFound,
                    other => other,
                })?;
        let mut found: Vec<IpAddr> = Vec::new();
        for address in addresses {
            if !found.contains(&address.ip()) {
                found.push(address.ip());
            }
        }
        if found.is_empty() {
            return Err(NetError::NameNotFound);
        }
        Ok(found)
    }
}

/// Whether `socket` is ready for `interest` right now (`poll` with a zero timeout). An error
/// or hang-up counts as ready: the next operation reports it without blocking.
#[cfg(unix)]
fn poll_ready<Fd: std::os::fd::AsFd>(socket: &Fd, interest: Interest) -> Result<bool, NetError> {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    let wanted = match interest {
        Interest::Read => PollFlags::IN,
        Interest::Write => PollFlags::OUT,
    };
    let mut fds = [PollFd::new(socket, wanted)];
    let zero = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    loop {
        match poll(&mut fds, Some(&zero)) {
            Ok(0) => return Ok(false),
            Ok(_) => {
                let events = fds[0].revents();
                return Ok(events.intersects(wanted | PollFlags::ERR | PollFlags::HUP));
            }
            Err(rustix::io::Errno::INTR) => continue,
            Err(_) => return Err(NetError::Io),
        }
    }
}

#[cfg(not(unix))]
fn poll_ready<T>(_socket: &T, _interest: Interest) -> Result<bool, NetError> {
    Ok(true)
}

/// Microseconds-free conversion of std's timeout getters to the option value.
fn timeout(
    value: io::Result<Option<std::time::Duration>>,
) -> Result<Option<core::time::Duration>, NetError> {
    net(value)
}

/// Sets the options every kind of socket shares through `setsockopt` (unix).
#[cfg(unix)]
fn set_common_option<Fd: std::os::fd::AsFd>(
    socket: &Fd,
    option: SocketOption,
) -> Result<(), NetError> {
    use rustix::net::sockopt;
    let result = match option {
        SocketOption::ReuseAddress(value) => sockopt::set_socket_reuseaddr(socket, value),
        SocketOption::KeepAlive(value) => sockopt::set_socket_keepalive(socket, value),
        SocketOption::ReceiveBufferSize(size) => {
            sockopt::set_socket_recv_buffer_size(socket, size as usize)
        }
        SocketOption::SendBufferSize(size) => {
            sockopt::set_socket_send_buffer_size(socket, size as usize)
        }
        _ => return Err(NetError::Unsupported),
    };
    result.map_err(|errno| io_to_net_error(&io::Error::from(errno)))
}

/// Reads the options every kind of socket shares through `getsockopt` (unix).
#[cfg(unix)]
fn common_option<Fd: std::os::fd::AsFd>(
    socket: &Fd,
    name: SocketOptionName,
) -> Result<SocketOption, NetError> {
    use rustix::net::sockopt;
    let errno = |errno: rustix::io::Errno| io_to_net_error(&io::Error::from(errno));
    let size = |size: usize| u32::try_from(size).unwrap_or(u32::MAX);
    Ok(match name {
        SocketOptionName::ReuseAddress => {
            SocketOption::ReuseAddress(sockopt::socket_reuseaddr(socket).map_err(errno)?)
        }
        SocketOptionName::KeepAlive => {
            SocketOption::KeepAlive(sockopt::socket_keepalive(socket).map_err(errno)?)
        }
        SocketOptionName::ReceiveBufferSize => SocketOption::ReceiveBufferSize(size(
            sockopt::socket_recv_buffer_size(socket).map_err(errno)?,
        )),
        SocketOptionName::SendBufferSize => SocketOption::SendBufferSize(size(
            sockopt::socket_send_buffer_size(socket).map_err(errno)?,
        )),
        _ => return Err(NetError::Unsupported),
    })
}

#[cfg(not(unix))]
fn set_common_option<T>(_socket: &T, _option: SocketOption) -> Result<(), NetError> {
    Err(NetError::Unsupported)
}

#[cfg(not(unix))]
fn common_option<T>(_socket: &T, _name: SocketOptionName) -> Result<SocketOption, NetError> {
    Err(NetError::Unsupported)
}

/// A host TCP listener.
#[derive(Debug)]
pub struct HostTcpListener(std::net::TcpListener);

impl HostTcpListener {
    /// Binds a listener on `address` (port 0 picks a free port).
    pub fn bind(address: SocketAddr) -> io::Result<Self> {
        std::net::TcpListener::bind(address).map(Self)
    }

    /// Wraps a listener the embedder already has.
    pub fn from_std(listener: std::net::TcpListener) -> Self {
        Self(listener)
    }

    /// The address it listens on.
    pub fn local_address(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

impl TcpListener for HostTcpListener {
    fn accept(&self) -> Result<Box<dyn TcpStream>, NetError> {
        loop {
            match self.0.accept() {
                Ok((stream, _peer)) => {
                    // Accepted sockets inherit nothing we rely on: start blocking, like a
                    // fresh descriptor; the guest chooses with fdflags.
                    net(stream.set_nonblocking(false))?;
                    return Ok(Box::new(HostTcpStream(stream)));
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(io_to_net_error(&error)),
            }
        }
    }

    fn set_nonblocking(&self, nonblocking: bool) -> Result<(), NetError> {
        net(self.0.set_nonblocking(nonblocking))
    }

    fn local_address(&self) -> Result<SocketAddr, NetError> {
        net(self.0.local_addr())
    }

    fn poll_ready(&self, interest: Interest) -> Result<bool, NetError> {
        poll_ready(&self.0, interest)
    }

    fn set_option(&self, option: SocketOption) -> Result<(), NetError> {
        match option {
            SocketOption::Ttl(ttl) => net(self.0.set_ttl(ttl)),
            other => set_common_option(&self.0, other),
        }
    }

    fn option(&self, name: SocketOptionName) -> Result<SocketOption, NetError> {
        match name {
            SocketOptionName::Ttl => Ok(SocketOption::Ttl(net(self.0.ttl())?)),
            other => common_option(&self.0, other),
        }
    }
}

/// A host TCP connection.
#[derive(Debug)]
pub struct HostTcpStream(std::net::TcpStream);

impl HostTcpStream {
    /// Wraps a connection the embedder already has.
    pub fn from_std(stream: std::net::TcpStream) -> Self {
        Self(stream)
    }
}

impl TcpStream for HostTcpStream {
    fn receive(&self, buffer: &mut [u8], peek: bool) -> Result<usize, NetError> {
        let result = if peek {
            self.0.peek(buffer)
        } else {
            (&self.0).read(buffer)
        };
        net(result)
    }

    fn send(&self, data: &[u8]) -> Result<usize, NetError> {
        net((&self.0).write(data))
    }

    fn shutdown(&self, read: bool, write: bool) -> Result<(), NetError> {
        let how = match (read, write) {
            (true, true) => Shutdown::Both,
            (true, false) => Shutdown::Read,
            (false, true) => Shutdown::Write,
            (false, false) => return Err(NetError::InvalidInput),
        };
        net(self.0.shutdown(how))
    }

    fn set_nonblocking(&self, nonblocking: bool) -> Result<(), NetError> {
        net(self.0.set_nonblocking(nonblocking))
    }

    fn local_address(&self) -> Result<SocketAddr, NetError> {
        net(self.0.local_addr())
    }

    fn peer_address(&self) -> Result<SocketAddr, NetError> {
        net(self.0.peer_addr())
    }

    fn poll_ready(&self, interest: Interest) -> Result<bool, NetError> {
        poll_ready(&self.0, interest)
    }

    fn set_option(&self, option: SocketOption) -> Result<(), NetError> {
        match option {
            SocketOption::NoDelay(value) => net(self.0.set_nodelay(value)),
            SocketOption::Ttl(ttl) => net(self.0.set_ttl(ttl)),
            SocketOption::ReceiveTimeout(value) => net(self.0.set_read_timeout(value)),
            SocketOption::SendTimeout(value) => net(self.0.set_write_timeout(value)),
            other => set_common_option(&self.0, other),
        }
    }

    fn option(&self, name: SocketOptionName) -> Result<SocketOption, NetError> {
        match name {
            SocketOptionName::NoDelay => Ok(SocketOption::NoDelay(net(self.0.nodelay())?)),
            SocketOptionName::Ttl => Ok(SocketOption::Ttl(net(self.0.ttl())?)),
            SocketOptionName::ReceiveTimeout => Ok(SocketOption::ReceiveTimeout(timeout(
                self.0.read_timeout(),
            )?)),
            SocketOptionName::SendTimeout => {
                Ok(SocketOption::SendTimeout(timeout(self.0.write_timeout())?))
            }
            other => common_option(&self.0, other),
        }
    }
}

/// A host UDP socket.
#[derive(Debug)]
pub struct HostUdpSocket(std::net::UdpSocket);

impl HostUdpSocket {
    /// Wraps a socket the embedder already has.
    pub fn from_std(socket: std::net::UdpSocket) -> Self {
        Self(socket)
    }
}

impl UdpSocket for HostUdpSocket {
    fn send_to(&self, data: &[u8], address: SocketAddr) -> Result<usize, NetError> {
        net(self.0.send_to(data, address))
    }

    fn receive_from(&self, buffer: &mut [u8], peek: bool) -> Result<(usize, SocketAddr), NetError> {
        net(if peek {
            self.0.peek_from(buffer)
        } else {
            self.0.recv_from(buffer)
        })
    }

    fn connect(&self, address: SocketAddr) -> Result<(), NetError> {
        net(self.0.connect(address))
    }

    fn send(&self, data: &[u8]) -> Result<usize, NetError> {
        net(self.0.send(data))
    }

    fn receive(&self, buffer: &mut [u8], peek: bool) -> Result<usize, NetError> {
        net(if peek {
            self.0.peek(buffer)
        } else {
            self.0.recv(buffer)
        })
    }

    fn local_address(&self) -> Result<SocketAddr, NetError> {
        net(self.0.local_addr())
    }

    fn peer_address(&self) -> Result<SocketAddr, NetError> {
        net(self.0.peer_addr())
    }

    fn set_nonblocking(&self, nonblocking: bool) -> Result<(), NetError> {
        net(self.0.set_nonblocking(nonblocking))
    }

    fn poll_ready(&self, interest: Interest) -> Result<bool, NetError> {
        poll_ready(&self.0, interest)
    }

    fn set_option(&self, option: SocketOption) -> Result<(), NetError> {
        match option {
            SocketOption::Broadcast(value) => net(self.0.set_broadcast(value)),
            SocketOption::Ttl(ttl) => net(self.0.set_ttl(ttl)),
            SocketOption::ReceiveTimeout(value) => net(self.0.set_read_timeout(value)),
            SocketOption::SendTimeout(value) => net(self.0.set_write_timeout(value)),
            SocketOption::NoDelay(_) => Err(NetError::Unsupported),
            other => set_common_option(&self.0, other),
        }
    }

    fn option(&self, name: SocketOptionName) -> Result<SocketOption, NetError> {
        match name {
            SocketOptionName::Broadcast => Ok(SocketOption::Broadcast(net(self.0.broadcast())?)),
            SocketOptionName::Ttl => Ok(SocketOption::Ttl(net(self.0.ttl())?)),
            SocketOptionName::ReceiveTimeout => Ok(SocketOption::ReceiveTimeout(timeout(
                self.0.read_timeout(),
            )?)),
            SocketOptionName::SendTimeout => {
                Ok(SocketOption::SendTimeout(timeout(self.0.write_timeout())?))
            }
            SocketOptionName::NoDelay => Err(NetError::Unsupported),
            other => common_option(&self.0, other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{CapabilityNetwork, NetworkCapabilities};
    use std::net::{Ipv4Addr, SocketAddrV4};
    use std::time::Duration;

    fn loopback(port: u16) -> SocketAddr {
        SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port))
    }

    #[test]
    fn a_connection_round_trips_through_the_adapter() {
        let listener = HostTcpListener::bind(loopback(0)).unwrap();
        let address = listener.local_address().unwrap();
        listener.set_nonblocking(true).unwrap();
        assert_eq!(listener.accept().err(), Some(NetError::WouldBlock));
        listener.set_nonblocking(false).unwrap();
        let client = std::thread::spawn(move || {
            let mut client = std::net::TcpStream::connect(address).unwrap();
            client.write_all(b"ping").unwrap();
            let mut reply = [0u8; 4];
            client.read_exact(&mut reply).unwrap();
            reply
        });
        let stream = listener.accept().unwrap();
        let mut buffer = [0u8; 4];
        let mut received = 0;
        while received < 4 {
            received += stream.receive(&mut buffer[received..], false).unwrap();
        }
        assert_eq!(&buffer, b"ping");
        assert_eq!(stream.send(b"pong").unwrap(), 4);
        assert_eq!(&client.join().unwrap(), b"pong");
        stream.shutdown(false, true).unwrap();
        assert_eq!(stream.shutdown(false, false), Err(NetError::InvalidInput));
    }

    #[test]
    fn network_connects_listens_and_reports_readiness() {
        let network = HostNetwork;
        let listener = network.tcp_listen(loopback(0), 4).unwrap();
        let address = TcpListener::local_address(listener.as_ref()).unwrap();
        assert!(!listener.poll_ready(Interest::Read).unwrap());
        let client = network.tcp_connect(address).unwrap();
        // The pending connection makes the listener readable.
        let mut ready = false;
        for _ in 0..100 {
            if listener.poll_ready(Interest::Read).unwrap() {
                ready = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(ready);
        let server = listener.accept().unwrap();
        assert_eq!(
            server.peer_address().unwrap(),
            client.local_address().unwrap()
        );
        assert!(!server.poll_ready(Interest::Read).unwrap());
        assert!(client.poll_ready(Interest::Write).unwrap());
        client.send(b"x").unwrap();
        let mut ready = false;
        for _ in 0..100 {
            if server.poll_ready(Interest::Read).unwrap() {
                ready = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(ready);
        // Readiness consumed nothing.
        let mut byte = [0u8; 1];
        assert_eq!(server.receive(&mut byte, false).unwrap(), 1);
        assert_eq!(&byte, b"x");

        client.set_option(SocketOption::NoDelay(true)).unwrap();
        assert_eq!(
            client.option(SocketOptionName::NoDelay).unwrap(),
            SocketOption::NoDelay(true)
        );
        // Whole seconds: the kernel keeps timeouts in clock ticks and rounds other values.
        let timeout = Some(Duration::from_secs(2));
        client
            .set_option(SocketOption::ReceiveTimeout(timeout))
            .unwrap();
        assert_eq!(
            client.option(SocketOptionName::ReceiveTimeout).unwrap(),
            SocketOption::ReceiveTimeout(timeout)
        );
        #[cfg(unix)]
        {
            client.set_option(SocketOption::KeepAlive(true)).unwrap();
            assert_eq!(
                client.option(SocketOptionName::KeepAlive).unwrap(),
                SocketOption::KeepAlive(true)
            );
        }
    }

    #[test]
    fn udp_round_trip_and_resolution() {
        let network = HostNetwork;
        let a = network.udp_bind(loopback(0)).unwrap();
        let b = network.udp_bind(loopback(0)).unwrap();
        let b_address = b.local_address().unwrap();
        assert_eq!(a.send_to(b"hello", b_address).unwrap(), 5);
        let mut buffer = [0u8; 16];
        let (count, from) = b.receive_from(&mut buffer, false).unwrap();
        assert_eq!(&buffer[..count], b"hello");
        assert_eq!(from, a.local_address().unwrap());
        assert_eq!(a.peer_address().err(), Some(NetError::NotConnected));

        let resolved = network.resolve("localhost").unwrap();
        assert!(resolved.iter().any(|ip| ip.is_loopback()));
        assert_eq!(
            network.resolve("127.0.0.1").unwrap(),
            [IpAddr::V4(Ipv4Addr::LOCALHOST)]
        );
    }

    #[test]
    fn capabilities_block_the_host_network() {
        let listener = HostTcpListener::bind(loopback(0)).unwrap();
        let address = listener.local_address().unwrap();
        listener.set_nonblocking(true).unwrap();
        let network = CapabilityNetwork::new(HostNetwork, NetworkCapabilities::deny_all());
        assert_eq!(
            network.tcp_connect(address).err(),
            Some(NetError::PermissionDenied)
        );
        assert_eq!(listener.accept().err(), Some(NetError::WouldBlock));

        let allowed = NetworkCapabilities::deny_all()
            .allow_parsed(&std::format!("127.0.0.1:{}", address.port()))
            .unwrap();
        let network = CapabilityNetwork::new(HostNetwork, allowed);
        let udp = network.udp_bind("0.0.0.0:0".parse().unwrap()).unwrap();
        assert_eq!(
            udp.send_to(b"x", loopback(9)).err(),
            Some(NetError::PermissionDenied)
        );
        assert_eq!(
            udp.connect(loopback(9)).err(),
            Some(NetError::PermissionDenied)
        );
        network.tcp_connect(address).unwrap();
    }
}
