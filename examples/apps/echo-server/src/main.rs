//! Accepts one TCP connection and echoes what it receives until the peer closes.
//!
//! Usage: `echo-server ADDRESS:PORT` (needs `xila-vm run --allow-net` for that address).

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::process::ExitCode;

use vm_guest::TcpListener;

fn run(addr: SocketAddr) -> std::io::Result<usize> {
    let listener = TcpListener::bind(addr)?;
    println!("listening on {addr}");
    let mut stream = listener.accept()?;
    println!("accepted a connection");
    let mut buffer = [0u8; 1024];
    let mut echoed = 0;
    loop {
        let read = stream.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        stream.write_all(&buffer[..read])?;
        echoed += read;
    }
    Ok(echoed)
}

fn main() -> ExitCode {
    let Some(addr) = std::env::args()
        .nth(1)
        .and_then(|a| a.parse::<SocketAddr>().ok())
    else {
        eprintln!("usage: echo-server ADDRESS:PORT");
        return ExitCode::from(2);
    };
    match run(addr) {
        Ok(echoed) => {
            println!("echoed {echoed} bytes, peer closed");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("echo-server: {error}");
            ExitCode::FAILURE
        }
    }
}
