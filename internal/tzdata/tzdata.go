// Package tzdata embeds the IANA time zone database, compressed, so that
// heartbeat.timezone and the TZ variable work on machines without a
// zoneinfo folder (Windows, minimal containers). Importing it for its side
// effect is enough, as with the standard time/tzdata, which it replaces:
// both hand the time package a loader that it calls only after the
// system's own zone files. The standard package embeds the database
// uncompressed (about 450 KB of the binary); here it is gzipped (65 KB)
// and unpacked only when the system lacks a zone that is asked for.
package tzdata

import (
	"bufio"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"
	_ "unsafe" // for go:linkname
)

//go:generate go run gen.go

// zones is the Go toolchain's lib/time/zoneinfo.zip as records of name,
// zero byte, 4-byte big-endian length and zone file, gzipped (gen.go).
//
//go:embed zones.gz
var zones string

// registerLoadFromEmbeddedTZData is the time package's hook for
// time/tzdata, made to be linked to from outside the standard library.
//
//go:linkname registerLoadFromEmbeddedTZData time.registerLoadFromEmbeddedTZData
func registerLoadFromEmbeddedTZData(func(string) (string, error))

func init() {
	registerLoadFromEmbeddedTZData(Load)
}

// Load returns the zone file of name ("Europe/Berlin"), in the form
// time.LoadLocationFromTZData reads. A name the database does not have is
// syscall.ENOENT, which the time package reports as an unknown time zone.
func Load(name string) (string, error) {
	gz, err := gzip.NewReader(strings.NewReader(zones))
	if err != nil {
		return "", fmt.Errorf("embedded time zones: %w", err)
	}
	r := bufio.NewReader(gz)
	for {
		zone, err := r.ReadString(0)
		if errors.Is(err, io.EOF) && zone == "" {
			return "", syscall.ENOENT
		}
		var size uint32
		if err == nil {
			err = binary.Read(r, binary.BigEndian, &size)
		}
		if err != nil {
			return "", fmt.Errorf("embedded time zones: %w", err)
		}
		if zone[:len(zone)-1] != name {
			if _, err := r.Discard(int(size)); err != nil {
				return "", fmt.Errorf("embedded time zones: %w", err)
			}
			continue
		}
		data := make([]byte, size)
		if _, err := io.ReadFull(r, data); err != nil {
			return "", fmt.Errorf("embedded time zones: %w", err)
		}
		return string(data), nil
	}
}
