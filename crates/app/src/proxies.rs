//! Trusted reverse proxies: which peers may say, in `X-Forwarded-For`, whom they forward. The
//! client address (for the sign-in throttle and the audit) is the peer's, unless the peer is a
//! trusted proxy: then it is the rightmost address of the header that is not a trusted proxy
//! (each proxy appends the address it received the request from, so everything left of that
//! was written by the client and may be forged). A header from an untrusted peer is ignored.

use crate::AppError;
use ipnet::IpNet;
use std::net::IpAddr;

/// The configured trusted proxies (setting `trusted_proxies`: CIDRs such as `10.0.0.0/8`, or
/// single addresses).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses the setting; a bad entry is an error naming it (`trusted_proxies[1]`).
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<TrustedProxies, AppError> {
        let mut nets = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            let e = e.as_ref().trim();
            let net = e
                .parse::<IpNet>()
                .or_else(|_| e.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    AppError::invalid(
                        format!("trusted_proxies[{i}]"),
                        format!(
                            "{e:?} is not an address or a CIDR block (such as 10.0.0.0/8 or 2001:db8::/32)"
                        ),
                    )
                })?;
            nets.push(net.trunc());
        }
        Ok(TrustedProxies(nets))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether an address is one of the trusted proxies (an IPv4-mapped IPv6 address counts
    /// as its IPv4 address).
    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|n| n.contains(&ip))
    }

    /// The client's address: `peer` unless it is trusted, else the rightmost address of the
    /// `X-Forwarded-For` values (in the order received) that is not trusted. An unreadable
    /// entry stops the walk there: what is left of it cannot be told apart from a forgery,
    /// so the last trusted hop is answered. When every hop is trusted, the leftmost.
    pub fn client_address(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let hops = forwarded_for
            .iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Some(ip) = parse_hop(hop) else {
                return client;
            };
            client = ip;
            if !self.trusts(ip) {
                return ip;
            }
        }
        client
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// One hop: an address, possibly with a port (`192.0.2.1:4711`, `[2001:db8::1]:4711`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Ok(sa) = hop.parse::<std::net::SocketAddr>() {
        return Some(canonical(sa.ip()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::TrustedProxies;
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let t = TrustedProxies::parse(&["10.0.0.0/8", "192.0.2.7"]).unwrap();
        // An untrusted peer's header is ignored.
        assert_eq!(
            t.client_address(ip("198.51.100.1"), &["203.0.113.5"]),
            ip("198.51.100.1")
        );
        // A trusted peer: the rightmost hop that is not a trusted proxy.
        assert_eq!(
            t.client_address(ip("10.1.1.1"), &["6.6.6.6, 203.0.113.5, 10.2.2.2"]),
            ip("203.0.113.5"),
            "the client forged 6.6.6.6 on the left"
        );
        assert_eq!(
            t.client_address(ip("192.0.2.7"), &["203.0.113.5", "10.2.2.2"]),
            ip("203.0.113.5"),
            "several header lines read as one list"
        );
        assert_eq!(
            t.client_address(ip("::ffff:10.1.1.1"), &["[2001:db8::9]:4711"]),
            ip("2001:db8::9")
        );
        // No header, or garbage: the last trusted hop.
        assert_eq!(t.client_address(ip("10.1.1.1"), &[]), ip("10.1.1.1"));
        assert_eq!(
            t.client_address(ip("10.1.1.1"), &["nonsense"]),
            ip("10.1.1.1")
        );
        // Nothing trusted: always the peer.
        let none = TrustedProxies::default();
        assert_eq!(
            none.client_address(ip("10.1.1.1"), &["203.0.113.5"]),
            ip("10.1.1.1")
        );
    }

    #[test]
    fn a_bad_entry_is_named() {
        let e = TrustedProxies::parse(&["10.0.0.0/8", "10.0.0.0/33"]).unwrap_err();
        assert!(e.to_string().contains("trusted_proxies[1]"), "{e}");
        assert!(TrustedProxies::parse(&["2001:db8::/32", "127.0.0.1"]).is_ok());
    }
}
