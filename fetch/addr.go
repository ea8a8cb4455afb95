package fetch

import "net/netip"

// IsPublicAddr reports whether ip is a globally routable unicast address
// that the fetcher may connect to. It rejects loopback, RFC 1918 and
// RFC 4193 (fc00::/7) private ranges, link-local (169.254.0.0/16,
// fe80::/10), multicast, unspecified, 0.0.0.0/8, CGNAT (100.64.0.0/10),
// IETF protocol assignments (192.0.0.0/24), benchmarking (198.18.0.0/15),
// reserved 240.0.0.0/4 including broadcast, deprecated site-local and
// IPv4-compatible IPv6, and IPv6 forms that embed a rejected IPv4 address
// (IPv4-mapped ::ffff:0:0/96, NAT64 64:ff9b::/96, 6to4 2002::/16).
func IsPublicAddr(ip netip.Addr) bool {
	if !ip.IsValid() {
		return false
	}
	ip = ip.WithZone("").Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsMulticast() ||
		ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() || ip.IsUnspecified() {
		return false
	}
	if ip.Is4() {
		return !inAny(ip, "0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "198.18.0.0/15", "240.0.0.0/4")
	}
	if inAny(ip, "::/96", "fec0::/10", "100::/64") {
		return false
	}
	if embedded, ok := embeddedIPv4(ip); ok {
		return IsPublicAddr(embedded)
	}
	return true
}

// embeddedIPv4 returns the IPv4 address carried by a NAT64 (64:ff9b::/96,
// 64:ff9b:1::/48) or 6to4 (2002::/16) IPv6 address.
func embeddedIPv4(ip netip.Addr) (netip.Addr, bool) {
	b := ip.As16()
	switch {
	case inAny(ip, "64:ff9b::/96", "64:ff9b:1::/48"):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case inAny(ip, "2002::/16"):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	}
	return netip.Addr{}, false
}

func inAny(ip netip.Addr, prefixes ...string) bool {
	for _, p := range prefixes {
		if netip.MustParsePrefix(p).Contains(ip) {
			return true
		}
	}
	return false
}
