//! TCP over `std::net`.

use std::boxed::Box;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr};

use crate::net::{NetError, TcpListener, TcpStream};

/// Maps an I/O error of a socket call to the adapter's error.
pub fn io_to_net_error(error: &io::Error) -> NetError {
    match error.kind() {
        io::ErrorKind::WouldBlock => NetError::WouldBlock,
        io::ErrorKind::ConnectionReset => NetError::ConnectionReset,
        io::ErrorKind::ConnectionAborted => NetError::ConnectionAborted,
        io::ErrorKind::NotConnected => NetError::NotConnected,
        io::ErrorKind::BrokenPipe => NetError::BrokenPipe,
        io::ErrorKind::Interrupted => NetError::Interrupted,
        io::ErrorKind::InvalidInput => NetError::InvalidInput,
        io::ErrorKind::Unsupported => NetError::Unsupported,
        _ => NetError::Io,
    }
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
                    stream
                        .set_nonblocking(false)
                        .map_err(|error| io_to_net_error(&error))?;
                    return Ok(Box::new(HostTcpStream(stream)));
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(io_to_net_error(&error)),
            }
        }
    }

    fn set_nonblocking(&self, nonblocking: bool) -> Result<(), NetError> {
        self.0
            .set_nonblocking(nonblocking)
            .map_err(|error| io_to_net_error(&error))
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
        result.map_err(|error| io_to_net_error(&error))
    }

    fn send(&self, data: &[u8]) -> Result<usize, NetError> {
        (&self.0)
            .write(data)
            .map_err(|error| io_to_net_error(&error))
    }

    fn shutdown(&self, read: bool, write: bool) -> Result<(), NetError> {
        let how = match (read, write) {
            (true, true) => Shutdown::Both,
            (true, false) => Shutdown::Read,
            (false, true) => Shutdown::Write,
            (false, false) => return Err(NetError::InvalidInput),
        };
        self.0
            .shutdown(how)
            .map_err(|error| io_to_net_error(&error))
    }

    fn set_nonblocking(&self, nonblocking: bool) -> Result<(), NetError> {
        self.0
            .set_nonblocking(nonblocking)
            .map_err(|error| io_to_net_error(&error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, SocketAddrV4};

    #[test]
    fn a_connection_round_trips_through_the_adapter() {
        let listener =
            HostTcpListener::bind(SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)))
                .unwrap();
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
}
