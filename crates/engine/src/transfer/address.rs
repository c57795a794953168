//! Which addresses a transfer may connect to (Art. 20(2)): the URL comes
//! from an outsider, so only public unicast addresses are dialled; every
//! address Tutela's own network could answer on (loopback, private,
//! link-local, carrier-grade NAT, unique-local, ...) is refused, so a
//! transfer can never reach a service behind the firewall (SSRF). Pure.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Which addresses are acceptable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressRule {
    /// Public unicast only: production.
    PublicOnly,
    /// Public unicast, or loopback: tests that push to a local receiver.
    AllowLoopback,
}

impl AddressRule {
    /// Whether a transfer may connect to `ip`.
    pub fn allows(self, ip: IpAddr) -> bool {
        is_public(ip) || (self == Self::AllowLoopback && canonical(ip).is_loopback())
    }
}

/// An IPv4-mapped (`::ffff:a.b.c.d`) or IPv4-compatible IPv6 address as
/// the IPv4 address it stands for; any other address unchanged.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// Whether `ip` is a public unicast address: not loopback, private,
/// link-local, shared (CGNAT), multicast, broadcast, unspecified,
/// reserved, benchmarking or documentation, in IPv4 or IPv6 (including
/// IPv4 addresses mapped into IPv6 and the NAT64 / 6to4 / Teredo prefixes,
/// which embed an IPv4 address a gateway would dial).
pub fn is_public(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let refused = a == 0                                  // "this network" 0/8
        || a == 10                                        // RFC 1918
        || a == 127                                       // loopback
        || (a == 100 && (64..128).contains(&b))           // CGNAT 100.64/10
        || (a == 169 && b == 254)                         // link-local
        || (a == 172 && (16..32).contains(&b))            // RFC 1918
        || (a == 192 && b == 0 && c == 0)                 // IETF 192.0.0/24
        || (a == 192 && b == 0 && c == 2)                 // TEST-NET-1
        || (a == 192 && b == 88 && c == 99)               // 6to4 relay anycast
        || (a == 192 && b == 168)                         // RFC 1918
        || (a == 198 && (b == 18 || b == 19))             // benchmarking
        || (a == 198 && b == 51 && c == 100)              // TEST-NET-2
        || (a == 203 && b == 0 && c == 113)               // TEST-NET-3
        || a >= 224; // multicast 224/4, reserved 240/4, broadcast
    !refused
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let embedded_v4 = |hi: u16, lo: u16| {
        let [a, b] = hi.to_be_bytes();
        let [c, d] = lo.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    if ip.is_unspecified() || ip.is_loopback() {
        return false;
    }
    match s[0] {
        // fc00::/7 unique-local, fe80::/10 link-local, fec0::/10 site-local,
        // ff00::/8 multicast.
        x if x & 0xfe00 == 0xfc00 || x & 0xffc0 == 0xfe80 || x & 0xffc0 == 0xfec0 => false,
        x if x & 0xff00 == 0xff00 => false,
        // 2001:db8::/32 documentation, 2001::/32 Teredo, 2001:2::/48
        // benchmarking, 2001:10::/28 ORCHID: none is dialled.
        0x2001 if s[1] == 0x0db8 || s[1] == 0 || s[1] == 2 || (s[1] & 0xfff0) == 0x0010 => false,
        // 3fff::/20 documentation (RFC 9637).
        0x3fff if s[1] & 0xf000 == 0 => false,
        // 2002::/16 6to4: the IPv4 address it embeds decides.
        0x2002 => is_public_v4(embedded_v4(s[1], s[2])),
        // 64:ff9b::/96 and 64:ff9b:1::/48 NAT64: the embedded IPv4 decides.
        0x0064 if s[1] == 0xff9b => is_public_v4(embedded_v4(s[6], s[7])),
        // 100::/64 discard-only.
        0x0100 if s[1] == 0 && s[2] == 0 && s[3] == 0 => false,
        // ::/8 beyond loopback and unspecified (IPv4-compatible, reserved).
        0 => false,
        // Only global unicast 2000::/3 is dialled.
        x => x & 0xe000 == 0x2000,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_classified() {
        let cases: &[(&str, bool)] = &[
            ("93.184.215.14", true),
            ("8.8.8.8", true),
            ("1.1.1.1", true),
            ("100.63.255.255", true),
            ("100.128.0.0", true),
            ("172.15.0.1", true),
            ("172.32.0.1", true),
            ("0.0.0.0", false),
            ("0.1.2.3", false),
            ("10.0.0.1", false),
            ("127.0.0.1", false),
            ("127.255.255.254", false),
            ("100.64.0.1", false),
            ("100.127.255.254", false),
            ("169.254.169.254", false),
            ("172.16.0.1", false),
            ("172.31.255.255", false),
            ("192.0.0.8", false),
            ("192.0.2.1", false),
            ("192.168.1.1", false),
            ("198.18.0.1", false),
            ("198.51.100.7", false),
            ("203.0.113.9", false),
            ("224.0.0.1", false),
            ("239.255.255.250", false),
            ("240.0.0.1", false),
            ("255.255.255.255", false),
            ("2606:4700:4700::1111", true),
            ("2a00:1450:4001:80b::200e", true),
            ("::", false),
            ("::1", false),
            ("::ffff:127.0.0.1", false),
            ("::ffff:10.1.2.3", false),
            ("::ffff:169.254.169.254", false),
            ("::ffff:8.8.8.8", true),
            ("::127.0.0.1", false),
            ("fc00::1", false),
            ("fd12:3456:789a::1", false),
            ("fe80::1", false),
            ("fec0::1", false),
            ("ff02::1", false),
            ("ff0e::1", false),
            ("2001:db8::1", false),
            ("2001:0:4136:e378::1", false),
            ("2001:2::1", false),
            ("2001:10::1", false),
            ("3fff::1", false),
            ("2002:7f00:0001::1", false),
            ("2002:0808:0808::1", true),
            ("64:ff9b::7f00:1", false),
            ("64:ff9b::808:808", true),
            ("100::1", false),
            ("4000::1", false),
        ];
        for (text, public) in cases {
            let ip: IpAddr = text.parse().unwrap();
            assert_eq!(is_public(ip), *public, "{text}");
        }
    }

    #[test]
    fn loopback_is_allowed_only_by_the_test_rule() {
        for text in ["127.0.0.1", "::1", "::ffff:127.0.0.1"] {
            let ip: IpAddr = text.parse().unwrap();
            assert!(!AddressRule::PublicOnly.allows(ip), "{text}");
            assert!(AddressRule::AllowLoopback.allows(ip), "{text}");
        }
        let private: IpAddr = "10.0.0.1".parse().unwrap();
        assert!(!AddressRule::AllowLoopback.allows(private));
        let public: IpAddr = "8.8.8.8".parse().unwrap();
        assert!(AddressRule::PublicOnly.allows(public));
    }
}
