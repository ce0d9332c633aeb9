package tzdata

import (
	"archive/zip"
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMatchesToolchain checks that zones.gz holds exactly the zones of the
// Go toolchain's database, byte for byte: after a Go upgrade brings a new
// database, it fails until `go generate ./internal/tzdata` is run.
func TestMatchesToolchain(t *testing.T) {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatalf("go env GOROOT: %v", err)
	}
	src := filepath.Join(strings.TrimSpace(string(out)), "lib", "time", "zoneinfo.zip")
	zr, err := zip.OpenReader(src)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	want := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		want[f.Name] = string(data)
	}
	got := records(t)
	if len(got) != len(want) {
		t.Errorf("zones.gz has %d zones, %s has %d: run go generate ./internal/tzdata", len(got), src, len(want))
	}
	for name, data := range want {
		zone, err := Load(name)
		if err != nil || zone != data {
			t.Fatalf("Load(%q) = %d bytes, %v; %s has %d bytes: run go generate ./internal/tzdata", name, len(zone), err, src, len(data))
		}
		if _, err := time.LoadLocationFromTZData(name, []byte(zone)); err != nil {
			t.Fatalf("zone %s does not parse: %v", name, err)
		}
	}
}

// records reads every record of zones.gz, as gen.go wrote them.
func records(t *testing.T) map[string]string {
	t.Helper()
	gz, err := gzip.NewReader(strings.NewReader(zones))
	if err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(gz)
	out := map[string]string{}
	for {
		name, err := r.ReadString(0)
		if err == io.EOF && name == "" {
			return out
		}
		var size uint32
		if err == nil {
			err = binary.Read(r, binary.BigEndian, &size)
		}
		data := make([]byte, size)
		if err == nil {
			_, err = io.ReadFull(r, data)
		}
		if err != nil {
			t.Fatalf("zones.gz after %d records: %v", len(out), err)
		}
		out[strings.TrimSuffix(name, "\x00")] = string(data)
	}
}

func TestUnknownZones(t *testing.T) {
	for _, name := range []string{"Mars/Olympus", "Europe", "", "Europe/Berlin/x", "../zoneinfo"} {
		if zone, err := Load(name); !errors.Is(err, syscall.ENOENT) {
			t.Errorf("Load(%q) = %d bytes, %v; want ENOENT", name, len(zone), err)
		}
	}
}
