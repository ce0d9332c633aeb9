package webfetch

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// BlockedError is a request refused because its address is not public.
type BlockedError struct {
	// Host is the host name or address asked for.
	Host string
	// Addr is the resolved address that was refused (invalid for a name
	// refused before resolution).
	Addr netip.Addr
	// Reason says what kind of address it is.
	Reason string
}

func (e *BlockedError) Error() string {
	what := e.Host
	if e.Addr.IsValid() && e.Addr.String() != e.Host {
		what = fmt.Sprintf("%s (%s)", e.Host, e.Addr)
	}
	return fmt.Sprintf("refused to fetch %s: it is %s, and web_fetch only reaches public internet addresses; "+
		"the user can allow private addresses by setting tools.web_fetch_allow_private = true", what, e.Reason)
}

// special are ranges that are not public besides those netip classifies
// (a read-only table).
var special = []struct {
	prefix netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("169.254.169.254/32"), "a cloud metadata address"},
	{netip.MustParsePrefix("fd00:ec2::254/128"), "a cloud metadata address"},
	{netip.MustParsePrefix("0.0.0.0/8"), "an unspecified (\"this network\") address"},
	{netip.MustParsePrefix("100.64.0.0/10"), "a carrier-grade NAT (shared) address"},
	{netip.MustParsePrefix("192.0.0.0/24"), "an IETF protocol assignment address"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking network address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address"},
	{netip.MustParsePrefix("100::/64"), "a discard-only address"},
	{netip.MustParsePrefix("192.0.2.0/24"), "a documentation (TEST-NET) address"},
	{netip.MustParsePrefix("198.51.100.0/24"), "a documentation (TEST-NET) address"},
	{netip.MustParsePrefix("203.0.113.0/24"), "a documentation (TEST-NET) address"},
	{netip.MustParsePrefix("2001:db8::/32"), "a documentation address"},
}

// ipv4Compatible is ::/96 (:: and ::1 are classified before).
var ipv4Compatible = netip.MustParsePrefix("::/96")

// nat64 prefixes embed an IPv4 address in their last 32 bits.
var nat64 = []netip.Prefix{
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
}

// checkOwn refuses an address of one of this machine's own network
// interfaces: a service bound to 0.0.0.0 answers there, and the address
// may well be public. The interfaces are read at each dial, so an address
// that changes (DHCP, VPN) is seen.
func checkOwn(host string, a netip.Addr, interfaceAddrs func() ([]net.Addr, error)) error {
	addrs, err := interfaceAddrs()
	if err != nil {
		return &BlockedError{Host: host, Addr: a, Reason: fmt.Sprintf("an address that could not be told apart from this machine's own (listing the network interfaces failed: %v)", err)}
	}
	a = a.Unmap()
	for _, ia := range addrs {
		var ip net.IP
		switch v := ia.(type) {
		case *net.IPNet:
			ip = v.IP
		case *net.IPAddr:
			ip = v.IP
		}
		if own, ok := netip.AddrFromSlice(ip); ok && own.Unmap() == a {
			return &BlockedError{Host: host, Addr: a, Reason: "this machine's own address (a network interface of it)"}
		}
	}
	return nil
}

// checkHost refuses cloud metadata host names before they are resolved.
func checkHost(host string) error {
	switch strings.TrimSuffix(strings.ToLower(host), ".") {
	case "metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal":
		return &BlockedError{Host: host, Reason: "a cloud metadata host name"}
	}
	return nil
}

// checkAddr returns a *BlockedError when a is not a public unicast address.
func checkAddr(host string, a netip.Addr) error {
	if reason := classify(a); reason != "" {
		return &BlockedError{Host: host, Addr: a, Reason: reason}
	}
	return nil
}

// classify says what kind of non-public address a is, or "" when public.
func classify(a netip.Addr) string {
	a = a.Unmap()
	for _, s := range special {
		if s.prefix.Contains(a) {
			return s.reason
		}
	}
	switch {
	case !a.IsValid():
		return "not a valid address"
	case a.IsUnspecified():
		return "an unspecified address"
	case a.IsLoopback():
		return "a loopback address"
	case a.IsPrivate():
		return "a private network address"
	case a.IsMulticast():
		return "a multicast address"
	case a.IsLinkLocalUnicast():
		return "a link-local address"
	case a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "the broadcast address"
	}
	if a.Is6() {
		b := a.As16()
		for _, p := range nat64 {
			if p.Contains(a) {
				if r := classify(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})); r != "" {
					return r + " behind NAT64"
				}
			}
		}
		// An IPv4-compatible address (::a.b.c.d, deprecated) reaches a.b.c.d
		// on a host with a SIT tunnel.
		if ipv4Compatible.Contains(a) {
			if r := classify(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})); r != "" {
				return r + " in IPv4-compatible form"
			}
		}
		if b[0] == 0x20 && b[1] == 0x02 { // 6to4 embeds IPv4 in bits 16..48
			if r := classify(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]})); r != "" {
				return r + " behind 6to4"
			}
		}
	}
	return ""
}
