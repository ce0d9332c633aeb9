package webfetch

import (
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		addr string
		want string // substring of the reason; "" means public
	}{
		{"127.0.0.1", "loopback"},
		{"127.8.9.10", "loopback"},
		{"::1", "loopback"},
		{"::ffff:127.0.0.1", "loopback"},
		{"10.1.2.3", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"192.168.1.1", "private"},
		{"fc00::1", "private"},
		{"fd12:3456::1", "private"},
		{"169.254.169.254", "metadata"},
		{"fd00:ec2::254", "metadata"},
		{"169.254.1.1", "link-local"},
		{"fe80::1", "link-local"},
		{"100.64.0.1", "carrier-grade NAT"},
		{"100.127.255.255", "carrier-grade NAT"},
		{"0.0.0.0", "unspecified"},
		{"0.1.2.3", "unspecified"},
		{"::", "unspecified"},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"ff02::1", "multicast"},
		{"255.255.255.255", "reserved"},
		{"240.0.0.1", "reserved"},
		{"198.18.0.1", "benchmarking"},
		{"64:ff9b::a00:1", "private network address behind NAT64"},
		{"2002:7f00:1::", "loopback address behind 6to4"},
		{"::127.0.0.1", "loopback address in IPv4-compatible form"},
		{"::10.0.0.1", "private network address in IPv4-compatible form"},
		{"8.8.8.8", ""},
		{"1.1.1.1", ""},
		{"100.63.255.255", ""},
		{"172.32.0.1", ""},
		{"2606:4700:4700::1111", ""},
		{"64:ff9b::808:808", ""},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			got := classify(netip.MustParseAddr(tt.addr))
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Fatalf("classify(%s) = %q, want %q", tt.addr, got, tt.want)
			}
		})
	}
}

func TestCheckHost(t *testing.T) {
	for host, blocked := range map[string]bool{
		"metadata.google.internal":  true,
		"METADATA.google.internal.": true,
		"metadata":                  true,
		"example.com":               false,
		"metadata.example.com":      false,
	} {
		if err := checkHost(host); (err != nil) != blocked {
			t.Fatalf("checkHost(%q) = %v", host, err)
		}
	}
}

func TestDocumentationRanges(t *testing.T) {
	for _, a := range []string{"192.0.2.2", "198.51.100.7", "203.0.113.255", "2001:db8::1", "::ffff:192.0.2.9"} {
		if got := classify(netip.MustParseAddr(a)); !strings.Contains(got, "documentation") {
			t.Errorf("classify(%s) = %q", a, got)
		}
	}
	for _, a := range []string{"192.0.3.1", "198.51.101.1", "203.0.114.1", "2001:db9::1"} {
		if got := classify(netip.MustParseAddr(a)); got != "" {
			t.Errorf("classify(%s) = %q, want public", a, got)
		}
	}
}

func TestCheckOwn(t *testing.T) {
	own := func() ([]net.Addr, error) {
		return []net.Addr{&net.IPNet{IP: net.ParseIP("8.8.4.4"), Mask: net.CIDRMask(24, 32)},
			&net.IPAddr{IP: net.ParseIP("2606:4700::6810:84e5")}}, nil
	}
	tests := []struct {
		addr  string
		own   bool
		lists func() ([]net.Addr, error)
	}{
		{"8.8.4.4", true, own},
		{"::ffff:8.8.4.4", true, own},
		{"2606:4700::6810:84e5", true, own},
		{"8.8.4.5", false, own}, // same subnet, another host: public
		{"8.8.4.5", true, func() ([]net.Addr, error) { return nil, errors.New("netlink refused") }},
	}
	for _, tt := range tests {
		err := checkOwn("h", netip.MustParseAddr(tt.addr), tt.lists)
		var be *BlockedError
		if (err != nil) != tt.own || (err != nil && !errors.As(err, &be)) {
			t.Errorf("checkOwn(%s) = %v, want blocked %v", tt.addr, err, tt.own)
		}
	}
}
