//go:build release

// Package scripts tests scripts/install.sh against the release snapshot
// that `goreleaser release --snapshot --clean` leaves in dist/ (run by
// scripts/release-check), served by a file server on loopback.
package scripts

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// snapshot is what goreleaser left in dist/.
type snapshot struct {
	dir     string
	version string
	commit  string
	// binaries maps "os_arch" to the binary's path.
	binaries map[string]string
}

func loadSnapshot(t *testing.T) snapshot {
	t.Helper()
	dir := os.Getenv("LOCALGPT_DIST")
	if dir == "" {
		dir = filepath.Join("..", "dist")
	}
	s := snapshot{dir: dir, binaries: map[string]string{}}
	var meta struct {
		Version string `json:"version"`
		Commit  string `json:"commit"`
	}
	data, err := os.ReadFile(filepath.Join(dir, "metadata.json"))
	if err != nil || json.Unmarshal(data, &meta) != nil {
		t.Fatalf("no release snapshot in %s (%v): run scripts/release-check, or `goreleaser release --snapshot --clean`", dir, err)
	}
	s.version, s.commit = meta.Version, meta.Commit
	if len(s.commit) != 40 {
		t.Fatalf("the snapshot was built without its commit (%q): goreleaser needs a git remote (scripts/release-check gives it one)", s.commit)
	}
	var artifacts []struct {
		Type, Path, Goos, Goarch string
	}
	data, err = os.ReadFile(filepath.Join(dir, "artifacts.json"))
	if err != nil || json.Unmarshal(data, &artifacts) != nil {
		t.Fatalf("read %s/artifacts.json: %v", dir, err)
	}
	for _, a := range artifacts {
		if a.Type == "Binary" { // paths start with the dist folder's own name
			_, rel, _ := strings.Cut(filepath.ToSlash(a.Path), "/")
			s.binaries[a.Goos+"_"+a.Goarch] = filepath.Join(dir, rel)
		}
	}
	if len(s.binaries) != 5 {
		t.Fatalf("the snapshot has %d binaries, want 5: %v", len(s.binaries), s.binaries)
	}
	return s
}

// server serves dir on loopback; tamper, when set, may change a file's
// bytes on the way out. It records the paths asked for.
type server struct {
	*httptest.Server
	mu     sync.Mutex
	asked  []string
	tamper func(name string, data []byte) []byte
}

func serve(t *testing.T, dir string) *server {
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := filepath.Base(r.URL.Path)
		s.mu.Lock()
		s.asked = append(s.asked, name)
		tamper := s.tamper
		s.mu.Unlock()
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		if tamper != nil {
			data = tamper(name, data)
		}
		w.Write(data)
	}))
	t.Cleanup(s.Close)
	return s
}

// fakeTools writes uname (and sysctl) scripts that report kernel and
// machine, so the script can be run as on another platform.
func fakeTools(t *testing.T, kernel, machine, translated string) string {
	dir := t.TempDir()
	uname := "#!/bin/sh\ncase \"$1\" in -s) echo '" + kernel + "' ;; -m) echo '" + machine + "' ;; *) exit 1 ;; esac\n"
	sysctl := "#!/bin/sh\necho '" + translated + "'\n"
	os.WriteFile(filepath.Join(dir, "uname"), []byte(uname), 0o755)
	os.WriteFile(filepath.Join(dir, "sysctl"), []byte(sysctl), 0o755)
	return dir
}

// install runs install.sh with HOME=home and PATH=path.
func install(t *testing.T, base, home, path string, env ...string) (string, error) {
	cmd := exec.Command("sh", "install.sh")
	cmd.Env = append([]string{"HOME=" + home, "PATH=" + path, "LOCALGPT_DOWNLOAD_URL=" + base, "SHELL=/bin/bash"}, env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func sameFile(t *testing.T, a, b string) bool {
	da, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	db, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Equal(da, db)
}

// TestInstallThisMachine installs the native build into ~/.local/bin and
// runs it.
func TestInstallThisMachine(t *testing.T) {
	snap := loadSnapshot(t)
	srv := serve(t, snap.dir)
	sysPath := os.Getenv("PATH")

	home := t.TempDir()
	out, err := install(t, srv.URL, home, sysPath)
	bin := filepath.Join(home, ".local", "bin", "localgpt")
	if err != nil || !strings.Contains(out, "Installed "+bin) {
		t.Fatalf("install: %v\n%s", err, out)
	}
	if !strings.Contains(out, bin[:len(bin)-len("/localgpt")]+" is not on your PATH") || !strings.Contains(out, `export PATH=`) || !strings.Contains(out, "~/.bashrc") {
		t.Fatalf("install should say how to put ~/.local/bin on PATH:\n%s", out)
	}
	got, err := exec.Command(bin, "--version").Output()
	if want := "localgpt version v" + snap.version + " (commit " + snap.commit[:12]; err != nil || !strings.HasPrefix(string(got), want) {
		t.Fatalf("installed --version: %v %q, want prefix %q", err, got, want)
	}

	// Once ~/.local/bin is on PATH there is nothing to add; a second
	// install replaces the binary.
	out, err = install(t, srv.URL, home, filepath.Dir(bin)+":"+sysPath)
	if err != nil || strings.Contains(out, "not on your PATH") {
		t.Fatalf("second install: %v\n%s", err, out)
	}
}

// TestInstallPicksTheArchive runs the script as on each released platform
// and checks that the binary installed is that platform's.
func TestInstallPicksTheArchive(t *testing.T) {
	if _, err := exec.LookPath("unzip"); err != nil {
		t.Fatal("unzip is missing (the Windows archive is a zip); scripts/test installs it")
	}
	snap := loadSnapshot(t)
	srv := serve(t, snap.dir)
	tests := []struct {
		name, kernel, machine, translated string
		want, exe                         string
	}{
		{"linux x86_64", "Linux", "x86_64", "", "linux_amd64", "localgpt"},
		{"linux aarch64", "Linux", "aarch64", "", "linux_arm64", "localgpt"},
		{"mac arm64", "Darwin", "arm64", "", "darwin_arm64", "localgpt"},
		{"mac x86_64", "Darwin", "x86_64", "0", "darwin_amd64", "localgpt"},
		{"mac shell under Rosetta", "Darwin", "x86_64", "1", "darwin_arm64", "localgpt"},
		{"windows git bash", "MINGW64_NT-10.0-19045", "x86_64", "", "windows_amd64", "localgpt.exe"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := fakeTools(t, tc.kernel, tc.machine, tc.translated) + ":" + os.Getenv("PATH")
			out, err := install(t, srv.URL, t.TempDir(), path, "LOCALGPT_INSTALL_DIR="+dir)
			if err != nil {
				t.Fatalf("install: %v\n%s", err, out)
			}
			if !strings.Contains(out, "_"+tc.want+".") || !sameFile(t, filepath.Join(dir, tc.exe), snap.binaries[tc.want]) {
				t.Fatalf("installed something other than the %s binary:\n%s", tc.want, out)
			}
		})
	}
}

// TestInstallRefuses: what cannot be installed is refused with a message,
// and a binary already installed is left as it was.
func TestInstallRefuses(t *testing.T) {
	snap := loadSnapshot(t)
	srv := serve(t, snap.dir)
	tests := []struct {
		name            string
		kernel, machine string
		tamper          func(name string, data []byte) []byte
		want            string
	}{
		{"unknown machine", "Linux", "riscv64", nil, "no release for Linux on riscv64"},
		{"unknown kernel", "SunOS", "x86_64", nil, "no release for SunOS"},
		{"archive changed in transit", "Linux", "x86_64", func(name string, data []byte) []byte {
			if strings.HasSuffix(name, ".tar.gz") {
				data = bytes.Clone(data)
				data[len(data)/2] ^= 0xFF
			}
			return data
		}, "checksum mismatch"},
		{"platform missing from checksums.txt", "Linux", "x86_64", func(name string, data []byte) []byte {
			if name != "checksums.txt" {
				return data
			}
			var keep []string
			for _, l := range strings.Split(string(data), "\n") {
				if !strings.Contains(l, "linux_amd64") {
					keep = append(keep, l)
				}
			}
			return []byte(strings.Join(keep, "\n"))
		}, "has no archive for linux_amd64"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv.mu.Lock()
			srv.tamper = tc.tamper
			srv.mu.Unlock()
			dir := t.TempDir()
			old := filepath.Join(dir, "localgpt")
			os.WriteFile(old, []byte("the installed one"), 0o755)
			path := fakeTools(t, tc.kernel, tc.machine, "") + ":" + os.Getenv("PATH")
			out, err := install(t, srv.URL, t.TempDir(), path, "LOCALGPT_INSTALL_DIR="+dir)
			if err == nil || !strings.Contains(out, tc.want) {
				t.Fatalf("want a failure saying %q, got %v:\n%s", tc.want, err, out)
			}
			if data, _ := os.ReadFile(old); string(data) != "the installed one" {
				t.Fatal("a refused install changed the installed binary")
			}
		})
	}
}

// TestReleaseArtifacts checks what the release publishes besides the
// archives: checksums.txt covers every archive and SBOM with the right
// SHA-256, each archive has an SPDX SBOM that names localgpt and its
// dependencies, and the Homebrew cask points at the macOS and Linux
// archives with their checksums.
func TestReleaseArtifacts(t *testing.T) {
	snap := loadSnapshot(t)
	sums := map[string]string{}
	data, err := os.ReadFile(filepath.Join(snap.dir, "checksums.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok {
			t.Fatalf("checksums.txt line %q", line)
		}
		sums[name] = sum
	}
	archives, _ := filepath.Glob(filepath.Join(snap.dir, "localgpt_*_*_*.*"))
	var names []string
	for _, a := range archives {
		if strings.HasSuffix(a, ".tar.gz") || strings.HasSuffix(a, ".zip") {
			names = append(names, filepath.Base(a))
		}
	}
	if len(names) != 5 {
		t.Fatalf("archives: %v", names)
	}
	cask, err := os.ReadFile(filepath.Join(snap.dir, "homebrew", "Casks", "localgpt.rb"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		for _, f := range []string{name, name + ".sbom.json"} {
			data, err := os.ReadFile(filepath.Join(snap.dir, f))
			if err != nil {
				t.Fatal(err)
			}
			if got := sha256Hex(data); sums[f] != got {
				t.Errorf("checksums.txt says %s for %s, its SHA-256 is %s", sums[f], f, got)
			}
		}
		var sbom struct {
			SPDXVersion string `json:"spdxVersion"`
			Packages    []struct{ Name string }
		}
		data, _ := os.ReadFile(filepath.Join(snap.dir, name+".sbom.json"))
		if err := json.Unmarshal(data, &sbom); err != nil || !strings.HasPrefix(sbom.SPDXVersion, "SPDX-2") {
			t.Fatalf("%s.sbom.json is not SPDX JSON: %v", name, err)
		}
		pkgs := map[string]bool{}
		for _, p := range sbom.Packages {
			pkgs[p.Name] = true
		}
		if !pkgs["github.com/localgpt-go/localgpt"] || !pkgs["modernc.org/sqlite"] || !pkgs["github.com/spf13/cobra"] {
			t.Errorf("%s's SBOM lacks localgpt or its dependencies: %d packages", name, len(sbom.Packages))
		}
		if !strings.Contains(name, "windows") && !strings.Contains(string(cask), `sha256 "`+sums[name]+`"`) {
			t.Errorf("the cask lacks %s's checksum:\n%s", name, cask)
		}
	}
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
