//! [`IpAllowlist`]: which source addresses may deliver notifications (CIDR), with Smartro's
//! published addresses as presets.

use std::net::IpAddr;

use ipnet::IpNet;

/// A set of allowed networks. An empty list allows nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IpAllowlist {
    nets: Vec<IpNet>,
}

/// A text that is neither an address nor a CIDR network.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an IP address or CIDR network: {0:?}")]
pub struct BadCidr(pub String);

impl IpAllowlist {
    /// An empty list.
    pub fn new() -> Self {
        IpAllowlist::default()
    }

    /// Parses networks (`211.193.35.216/32`, `10.0.0.0/8`, `::1`) or bare addresses.
    pub fn parse<'a>(entries: impl IntoIterator<Item = &'a str>) -> Result<Self, BadCidr> {
        let mut list = IpAllowlist::new();
        for e in entries {
            list.add(e)?;
        }
        Ok(list)
    }

    /// Adds a network or address.
    pub fn add(&mut self, entry: &str) -> Result<&mut Self, BadCidr> {
        let entry = entry.trim();
        let net = entry
            .parse::<IpNet>()
            .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
            .map_err(|_| BadCidr(entry.to_owned()))?;
        self.nets.push(net.trunc());
        Ok(self)
    }

    /// Smartro's live re-notification servers: 211.193.35.216 and 211.193.35.217.
    pub fn smartro_live() -> Self {
        let mut list = IpAllowlist::new();
        for ip in pg_smartro::config::server_ips::LIVE_RENOTIFICATION {
            list.nets.push(IpNet::from(IpAddr::V4(ip)));
        }
        list
    }

    /// Smartro's test server, 211.193.35.11.
    pub fn smartro_test() -> Self {
        IpAllowlist {
            nets: vec![IpNet::from(IpAddr::V4(
                pg_smartro::config::server_ips::TEST,
            ))],
        }
    }

    /// Loopback only (tests, the simulator).
    pub fn loopback() -> Self {
        IpAllowlist::parse(["127.0.0.0/8", "::1/128"]).unwrap_or_default()
    }

    /// Both lists.
    pub fn union(mut self, other: IpAllowlist) -> Self {
        self.nets.extend(other.nets);
        self
    }

    /// Whether `ip` is allowed (an IPv4-mapped IPv6 address counts as its IPv4 address).
    pub fn allows(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        self.nets.iter().any(|n| n.contains(&ip))
    }

    /// Whether the list has no network (it allows nothing).
    pub fn is_empty(&self) -> bool {
        self.nets.is_empty()
    }

    /// The networks.
    pub fn networks(&self) -> impl Iterator<Item = String> + '_ {
        self.nets.iter().map(ToString::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_and_presets() {
        let list = IpAllowlist::parse(["10.1.0.0/16", "192.168.1.7", "2001:db8::/32"]).unwrap();
        assert!(list.allows("10.1.255.3".parse().unwrap()));
        assert!(!list.allows("10.2.0.1".parse().unwrap()));
        assert!(list.allows("192.168.1.7".parse().unwrap()));
        assert!(!list.allows("192.168.1.8".parse().unwrap()));
        assert!(list.allows("2001:db8::5".parse().unwrap()));
        assert!(list.allows("::ffff:10.1.0.1".parse().unwrap()));
        let smartro = IpAllowlist::smartro_live();
        assert!(smartro.allows("211.193.35.216".parse().unwrap()));
        assert!(smartro.allows("211.193.35.217".parse().unwrap()));
        assert!(!smartro.allows("211.193.35.218".parse().unwrap()));
        assert!(IpAllowlist::smartro_test().allows("211.193.35.11".parse().unwrap()));
        assert!(!IpAllowlist::new().allows("127.0.0.1".parse().unwrap()));
        assert!(IpAllowlist::loopback().allows("127.0.0.1".parse().unwrap()));
        assert_eq!(
            IpAllowlist::parse(["10.0.0.0/33"]),
            Err(BadCidr("10.0.0.0/33".into()))
        );
        assert!(IpAllowlist::parse(["not-an-ip"]).is_err());
    }
}
