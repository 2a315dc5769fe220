//! Connects to an echo server, sends a message, checks that the same bytes come back and
//! prints them.
//!
//! Usage: `echo-client ADDRESS:PORT [MESSAGE]`. The server may still be starting: a refused
//! connection is retried for a few seconds.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use vm_guest::{Error, Shutdown, TcpStream};

const ATTEMPTS: u32 = 100;
const RETRY_PAUSE: Duration = Duration::from_millis(50);

fn connect(addr: SocketAddr) -> Result<TcpStream, Error> {
    let mut attempt = 1;
    loop {
        match TcpStream::connect(addr) {
            Err(error)
                if attempt < ATTEMPTS
                    && error.kind() == vm_guest::embedded_io::ErrorKind::ConnectionRefused =>
            {
                attempt += 1;
                std::thread::sleep(RETRY_PAUSE);
            }
            other => return other,
        }
    }
}

fn run(addr: SocketAddr, message: &str) -> std::io::Result<String> {
    let mut stream = connect(addr)?;
    println!("connected to {addr}");
    stream.write_all(message.as_bytes())?;
    // Closing our side tells the server we are done; it closes after the last echo.
    stream.shutdown(Shutdown::Write)?;
    let mut echo = Vec::new();
    stream.read_to_end(&mut echo)?;
    String::from_utf8(echo).map_err(|_| std::io::Error::other("the echo is not UTF-8"))
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(addr) = args.next().and_then(|a| a.parse::<SocketAddr>().ok()) else {
        eprintln!("usage: echo-client ADDRESS:PORT [MESSAGE]");
        return ExitCode::from(2);
    };
    let message = args
        .next()
        .unwrap_or_else(|| String::from("hello over loopback"));
    match run(addr, &message) {
        Ok(echo) if echo == message => {
            println!("echo: {echo}");
            ExitCode::SUCCESS
        }
        Ok(echo) => {
            eprintln!("echo-client: sent {message:?} but got back {echo:?}");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("echo-client: {error}");
            ExitCode::FAILURE
        }
    }
}
