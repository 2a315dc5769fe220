//! Network capabilities: which addresses and ports a guest may reach, and whether it may
//! resolve names. Deny by default.
//!
//! A rule is written `ADDRESS[/PREFIX][:PORTS]`, `PORTS` being `PORT` or `FIRST-LAST`; an
//! IPv6 address takes brackets when a port follows (`[::1]:8080`, `[fe80::]/10:1-1024`).
//! Without a prefix the rule covers one address, without ports every port. Examples:
//! `127.0.0.1:8000-9000`, `0.0.0.0/0:80` (port 80 anywhere in IPv4), `10.0.0.0/8`, `::1`.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use core::str::FromStr;

use super::{
    Interest, NetError, NetOperation, Network, SocketOption, SocketOptionName, TcpListener,
    TcpStream, UdpSocket,
};

/// A rule could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleParseError {
    /// The address part is not an IPv4 or IPv6 address.
    #[error("invalid address in network rule")]
    InvalidAddress,
    /// The prefix length is not a number or too long for the address.
    #[error("invalid prefix length in network rule")]
    InvalidPrefix,
    /// A port is not a number from 0 to 65535, or the range is reversed.
    #[error("invalid port or port range in network rule")]
    InvalidPorts,
}

/// Addresses (a network: address and prefix length) and a port range a guest may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AddressRule {
    network: IpAddr,
    prefix: u8,
    first_port: u16,
    last_port: u16,
}

impl AddressRule {
    /// The rule for `network/prefix` and the ports `first_port..=last_port`.
    pub fn new(
        network: IpAddr,
        prefix: u8,
        first_port: u16,
        last_port: u16,
    ) -> Result<Self, RuleParseError> {
        let max_prefix = match network {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        };
        if prefix > max_prefix {
            return Err(RuleParseError::InvalidPrefix);
        }
        if first_port > last_port {
            return Err(RuleParseError::InvalidPorts);
        }
        Ok(Self {
            network,
            prefix,
            first_port,
            last_port,
        })
    }

    /// The rule for exactly `address`, every port.
    pub fn host(address: IpAddr) -> Self {
        let prefix = match address {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        };
        Self {
            network: address,
            prefix,
            first_port: 0,
            last_port: u16::MAX,
        }
    }

    /// Whether the rule covers `address`. An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`)
    /// is also matched as the IPv4 address it carries, so the mapping is no way around a
    /// rule.
    pub fn contains(&self, address: SocketAddr) -> bool {
        let port = address.port();
        if port < self.first_port || port > self.last_port {
            return false;
        }
        let ip = match address.ip() {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        };
        match (self.network, ip) {
            (IpAddr::V4(network), IpAddr::V4(ip)) => {
                prefix_matches(&network.octets(), &ip.octets(), self.prefix)
            }
            (IpAddr::V6(network), IpAddr::V6(ip)) => {
                prefix_matches(&network.octets(), &ip.octets(), self.prefix)
            }
            (IpAddr::V6(network), IpAddr::V4(ip)) => prefix_matches(
                &network.octets(),
                &ip.to_ipv6_mapped().octets(),
                self.prefix,
            ),
            (IpAddr::V4(_), IpAddr::V6(_)) => false,
        }
    }
}

/// Whether the first `prefix` bits of `a` and `b` are equal.
fn prefix_matches(a: &[u8], b: &[u8], prefix: u8) -> bool {
    let mut bits = usize::from(prefix);
    for (x, y) in a.iter().zip(b) {
        if bits == 0 {
            return true;
        }
        let take = bits.min(8);
        // `take` is 1..=8, so the shift is in range.
        let mask = 0xffu8 << (8 - take);
        if x & mask != y & mask {
            return false;
        }
        bits -= take;
    }
    true
}

impl FromStr for AddressRule {
    type Err = RuleParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        // Split into address, optional prefix and optional ports.
        let (address, prefix, ports) = if let Some(rest) = text.strip_prefix('[') {
            let (inside, after) = rest.split_once(']').ok_or(RuleParseError::InvalidAddress)?;
            let (address, mut prefix) = match inside.split_once('/') {
                Some((address, prefix)) => (address, Some(prefix)),
                None => (inside, None),
            };
            let (after_prefix, ports) = match after.split_once(':') {
                Some((before, ports)) => (before, Some(ports)),
                None => (after, None),
            };
            if let Some(outside) = after_prefix.strip_prefix('/') {
                if prefix.is_some() {
                    return Err(RuleParseError::InvalidPrefix);
                }
                prefix = Some(outside);
            } else if !after_prefix.is_empty() {
                return Err(RuleParseError::InvalidAddress);
            }
            let address = Ipv6Addr::from_str(address)
                .map(IpAddr::V6)
                .or_else(|_| Ipv4Addr::from_str(address).map(IpAddr::V4))
                .map_err(|_| RuleParseError::InvalidAddress)?;
            (address, prefix, ports)
        } else if text.matches(':').count() > 1 {
            // A bare IPv6 address: no port can follow without brackets.
            let (address, prefix) = match text.split_once('/') {
                Some((address, prefix)) => (address, Some(prefix)),
                None => (text, None),
            };
            let address =
                Ipv6Addr::from_str(address).map_err(|_| RuleParseError::InvalidAddress)?;
            (IpAddr::V6(address), prefix, None)
        } else {
            let (network, ports) = match text.split_once(':') {
                Some((network, ports)) => (network, Some(ports)),
                None => (text, None),
            };
            let (address, prefix) = match network.split_once('/') {
                Some((address, prefix)) => (address, Some(prefix)),
                None => (network, None),
            };
            let address =
                Ipv4Addr::from_str(address).map_err(|_| RuleParseError::InvalidAddress)?;
            (IpAddr::V4(address), prefix, ports)
        };
        let full = match address {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        };
        let prefix = match prefix {
            Some(prefix) => prefix
                .parse::<u8>()
                .map_err(|_| RuleParseError::InvalidPrefix)?,
            None => full,
        };
        let (first_port, last_port) = match ports {
            None => (0, u16::MAX),
            Some(ports) => {
                let port = |text: &str| {
                    text.trim()
                        .parse::<u16>()
                        .map_err(|_| RuleParseError::InvalidPorts)
                };
                match ports.split_once('-') {
                    Some((first, last)) => (port(first)?, port(last)?),
                    None => {
                        let single = port(ports)?;
                        (single, single)
                    }
                }
            }
        };
        Self::new(address, prefix, first_port, last_port)
    }
}

impl fmt::Display for AddressRule {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.network {
            IpAddr::V4(address) => write!(formatter, "{address}/{}", self.prefix)?,
            IpAddr::V6(address) => write!(formatter, "[{address}]/{}", self.prefix)?,
        }
        if self.first_port == self.last_port {
            write!(formatter, ":{}", self.first_port)
        } else {
            write!(formatter, ":{}-{}", self.first_port, self.last_port)
        }
    }
}

/// What a guest may do on the network. The default allows nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkCapabilities {
    rules: Vec<AddressRule>,
    resolve: bool,
}

impl NetworkCapabilities {
    /// Nothing allowed (the same as `default()`).
    pub fn deny_all() -> Self {
        Self::default()
    }

    /// Also allows the addresses and ports of `rule` (connect, bind/listen, send to).
    pub fn allow(mut self, rule: AddressRule) -> Self {
        self.rules.push(rule);
        self
    }

    /// Also allows a rule written as text (the CLI's `--allow-net`), see the module
    /// documentation for the syntax.
    pub fn allow_parsed(self, rule: &str) -> Result<Self, RuleParseError> {
        Ok(self.allow(rule.parse()?))
    }

    /// Allows (or not) name resolution (the CLI's `--allow-resolve`).
    pub fn allow_resolve(mut self, allow: bool) -> Self {
        self.resolve = allow;
        self
    }

    /// The address rules.
    pub fn rules(&self) -> &[AddressRule] {
        &self.rules
    }

    /// Whether name resolution is allowed.
    pub fn resolve_allowed(&self) -> bool {
        self.resolve
    }

    /// Whether some rule covers `address`.
    pub fn allows(&self, address: SocketAddr) -> bool {
        self.rules.iter().any(|rule| rule.contains(address))
    }

    /// [`NetError::PermissionDenied`] unless `operation` is allowed.
    pub fn check(&self, operation: NetOperation) -> Result<(), NetError> {
        let allowed = match operation {
            NetOperation::Connect(address)
            | NetOperation::Bind(address)
            | NetOperation::SendTo(address) => self.allows(address),
            NetOperation::Resolve => self.resolve,
        };
        if allowed {
            Ok(())
        } else {
            Err(NetError::PermissionDenied)
        }
    }

    /// Whether a UDP socket may bind `address`: what the rules allow, and also an ephemeral
    /// port on the unspecified address as soon as any rule exists — the bind every UDP
    /// client does implicitly before its first `send_to`, which sends nothing; each datagram
    /// is then checked against its destination.
    fn allows_udp_bind(&self, address: SocketAddr) -> bool {
        self.allows(address)
            || (!self.rules.is_empty() && address.port() == 0 && address.ip().is_unspecified())
    }
}

/// A [`Network`] that checks every operation against [`NetworkCapabilities`] before
/// delegating to `N`; a denied operation is [`NetError::PermissionDenied`] and `N` is not
/// called. UDP sockets it returns check every destination (`send_to`, `connect`).
///
/// Incoming traffic is not filtered: a listener the rules allowed accepts any peer, and a
/// UDP socket receives from any sender (as with a host firewall that only filters
/// outgoing connections).
pub struct CapabilityNetwork<N> {
    inner: N,
    capabilities: Arc<NetworkCapabilities>,
}

impl<N: Network> CapabilityNetwork<N> {
    /// Wraps `inner` with `capabilities`.
    pub fn new(inner: N, capabilities: NetworkCapabilities) -> Self {
        Self {
            inner,
            capabilities: Arc::new(capabilities),
        }
    }

    /// The capabilities.
    pub fn capabilities(&self) -> &NetworkCapabilities {
        &self.capabilities
    }

    /// The wrapped network.
    pub fn inner(&self) -> &N {
        &self.inner
    }
}

impl<N: Network> Network for CapabilityNetwork<N> {
    fn tcp_connect(&self, address: SocketAddr) -> Result<Box<dyn TcpStream>, NetError> {
        self.capabilities.check(NetOperation::Connect(address))?;
        self.inner.tcp_connect(address)
    }

    fn tcp_listen(
        &self,
        address: SocketAddr,
        backlog: u32,
    ) -> Result<Box<dyn TcpListener>, NetError> {
        self.capabilities.check(NetOperation::Bind(address))?;
        self.inner.tcp_listen(address, backlog)
    }

    fn udp_bind(&self, address: SocketAddr) -> Result<Box<dyn UdpSocket>, NetError> {
        if !self.capabilities.allows_udp_bind(address) {
            return Err(NetError::PermissionDenied);
        }
        let socket = self.inner.udp_bind(address)?;
        Ok(Box::new(CheckedUdpSocket {
            inner: socket,
            capabilities: self.capabilities.clone(),
        }))
    }

    fn resolve(&self, host: &str) -> Result<Vec<IpAddr>, NetError> {
        self.capabilities.check(NetOperation::Resolve)?;
        self.inner.resolve(host)
    }

    fn check(&self, operation: NetOperation) -> Result<(), NetError> {
        self.capabilities.check(operation)?;
        self.inner.check(operation)
    }
}

/// A UDP socket whose destinations are checked.
struct CheckedUdpSocket {
    inner: Box<dyn UdpSocket>,
    capabilities: Arc<NetworkCapabilities>,
}

impl UdpSocket for CheckedUdpSocket {
    fn send_to(&self, data: &[u8], address: SocketAddr) -> Result<usize, NetError> {
        self.capabilities.check(NetOperation::SendTo(address))?;
        self.inner.send_to(data, address)
    }

    fn receive_from(&self, buffer: &mut [u8], peek: bool) -> Result<(usize, SocketAddr), NetError> {
        self.inner.receive_from(buffer, peek)
    }

    fn connect(&self, address: SocketAddr) -> Result<(), NetError> {
        self.capabilities.check(NetOperation::Connect(address))?;
        self.inner.connect(address)
    }

    fn send(&self, data: &[u8]) -> Result<usize, NetError> {
        // Only a connect the rules allowed sets a destination.
        self.inner.send(data)
    }

    fn receive(&self, buffer: &mut [u8], peek: bool) -> Result<usize, NetError> {
        self.inner.receive(buffer, peek)
    }

    fn local_address(&self) -> Result<SocketAddr, NetError> {
        self.inner.local_address()
    }

    fn peer_address(&self) -> Result<SocketAddr, NetError> {
        self.inner.peer_address()
    }

    fn set_nonblocking(&self, nonblocking: bool) -> Result<(), NetError> {
        self.inner.set_nonblocking(nonblocking)
    }

    fn poll_ready(&self, interest: Interest) -> Result<bool, NetError> {
        self.inner.poll_ready(interest)
    }

    fn set_option(&self, option: SocketOption) -> Result<(), NetError> {
        self.inner.set_option(option)
    }

    fn option(&self, name: SocketOptionName) -> Result<SocketOption, NetError> {
        self.inner.option(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::cell::Cell;
    use core::net::{SocketAddrV4, SocketAddrV6};

    fn v4(a: u8, b: u8, c: u8, d: u8, port: u16) -> SocketAddr {
        SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(a, b, c, d), port))
    }

    #[test]
    fn rules_parse_and_match() {
        let rule: AddressRule = "127.0.0.1:8000-9000".parse().unwrap();
        assert!(rule.contains(v4(127, 0, 0, 1, 8000)));
        assert!(rule.contains(v4(127, 0, 0, 1, 9000)));
        assert!(!rule.contains(v4(127, 0, 0, 1, 7999)));
        assert!(!rule.contains(v4(127, 0, 0, 2, 8500)));

        let any80: AddressRule = "0.0.0.0/0:80".parse().unwrap();
        assert!(any80.contains(v4(8, 8, 8, 8, 80)));
        assert!(!any80.contains(v4(8, 8, 8, 8, 81)));

        let subnet: AddressRule = "10.1.0.0/16".parse().unwrap();
        assert!(subnet.contains(v4(10, 1, 200, 3, 1)));
        assert!(!subnet.contains(v4(10, 2, 0, 0, 1)));

        let odd: AddressRule = "192.168.0.0/23:1".parse().unwrap();
        assert!(odd.contains(v4(192, 168, 1, 255, 1)));
        assert!(!odd.contains(v4(192, 168, 2, 0, 1)));

        let loopback6: AddressRule = "[::1]:80".parse().unwrap();
        let address = SocketAddr::V6(SocketAddrV6::new(Ipv6Addr::LOCALHOST, 80, 0, 0));
        assert!(loopback6.contains(address));
        assert!(!loopback6.contains(v4(127, 0, 0, 1, 80)));
        assert_eq!(
            "::1".parse::<AddressRule>().unwrap(),
            AddressRule::host(IpAddr::V6(Ipv6Addr::LOCALHOST))
        );
        assert!("[fe80::]/10:1-1024".parse::<AddressRule>().is_ok());
        assert!("[fe80::/10]:1-1024".parse::<AddressRule>().is_ok());

        // IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
        let mapped = SocketAddr::V6(SocketAddrV6::new(
            Ipv4Addr::new(127, 0, 0, 1).to_ipv6_mapped(),
            8080,
            0,
            0,
        ));
        assert!(rule.contains(mapped));
        assert!(!subnet.contains(mapped));

        for bad in [
            "",
            "localhost",
            "1.2.3.4/33",
            "1.2.3.4:9-1",
            "1.2.3.4:70000",
            "[::1",
            "[::1]x",
            "1.2.3.4/x",
        ] {
            assert!(bad.parse::<AddressRule>().is_err(), "{bad}");
        }
        assert_eq!(alloc::format!("{rule}"), "127.0.0.1/32:8000-9000");
    }

    /// Records whether the network was reached.
    #[derive(Default)]
    struct Spy {
        calls: spin::Mutex<Cell<u32>>,
    }

    impl Network for Spy {
        fn tcp_connect(&self, _: SocketAddr) -> Result<Box<dyn TcpStream>, NetError> {
            let calls = self.calls.lock();
            calls.set(calls.get() + 1);
            Err(NetError::ConnectionRefused)
        }
        fn tcp_listen(&self, _: SocketAddr, _: u32) -> Result<Box<dyn TcpListener>, NetError> {
            let calls = self.calls.lock();
            calls.set(calls.get() + 1);
            Err(NetError::AddressInUse)
        }
        fn udp_bind(&self, _: SocketAddr) -> Result<Box<dyn UdpSocket>, NetError> {
            let calls = self.calls.lock();
            calls.set(calls.get() + 1);
            Err(NetError::AddressInUse)
        }
        fn resolve(&self, _: &str) -> Result<Vec<IpAddr>, NetError> {
            let calls = self.calls.lock();
            calls.set(calls.get() + 1);
            Ok(Vec::new())
        }
    }

    #[test]
    fn denied_operations_never_reach_the_network() {
        let network = CapabilityNetwork::new(Spy::default(), NetworkCapabilities::deny_all());
        assert_eq!(
            network.tcp_connect(v4(127, 0, 0, 1, 80)).err(),
            Some(NetError::PermissionDenied)
        );
        assert_eq!(
            network.tcp_listen(v4(127, 0, 0, 1, 80), 1).err(),
            Some(NetError::PermissionDenied)
        );
        assert_eq!(
            network.udp_bind(v4(0, 0, 0, 0, 0)).err(),
            Some(NetError::PermissionDenied)
        );
        assert_eq!(
            network.resolve("localhost").err(),
            Some(NetError::PermissionDenied)
        );
        assert_eq!(network.inner().calls.lock().get(), 0);

        let capabilities = NetworkCapabilities::deny_all()
            .allow_parsed("127.0.0.1:8000-9000")
            .unwrap()
            .allow_resolve(true);
        let network = CapabilityNetwork::new(Spy::default(), capabilities);
        assert_eq!(
            network.tcp_connect(v4(127, 0, 0, 1, 7000)).err(),
            Some(NetError::PermissionDenied)
        );
        assert_eq!(
            network.tcp_connect(v4(127, 0, 0, 1, 8000)).err(),
            Some(NetError::ConnectionRefused)
        );
        assert_eq!(
            network.check(NetOperation::Bind(v4(0, 0, 0, 0, 8000))),
            Err(NetError::PermissionDenied)
        );
        // The implicit ephemeral UDP bind is allowed once some rule exists.
        assert_eq!(
            network.udp_bind(v4(0, 0, 0, 0, 0)).err(),
            Some(NetError::AddressInUse)
        );
        assert!(network.resolve("localhost").unwrap().is_empty());
        assert_eq!(network.inner().calls.lock().get(), 3);
    }
}
