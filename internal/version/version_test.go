package version

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	vcs := func(rev, when, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs.revision", Value: rev}, {Key: "vcs.time", Value: when}, {Key: "vcs.modified", Value: modified}}
	}
	const rev = "0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		name                  string
		version, commit, date string
		bi                    *debug.BuildInfo
		want                  Info
		long                  string
	}{
		{"release build stamps all three", "v1.2.3", rev, "2026-01-02T03:04:05Z",
			&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}},
			Info{Version: "v1.2.3", Commit: rev, Date: "2026-01-02T03:04:05Z"},
			"v1.2.3 (commit 0123456789ab, built 2026-01-02T03:04:05Z, "},
		{"go install @latest records the module version", "", "", "",
			&debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}},
			Info{Version: "v1.4.0"}, "v1.4.0 ("},
		{"build in a checkout records the commit", "", "", "",
			&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs(rev, "2026-02-03T04:05:06Z", "true")},
			Info{Version: "dev-0123456789ab", Commit: rev, Date: "2026-02-03T04:05:06Z", Modified: true},
			"dev-0123456789ab (commit 0123456789ab, modified, built 2026-02-03T04:05:06Z, "},
		{"stamped commit wins over the checkout's", "v2.0.0", "fedcba9876543210", "2026-03-01T00:00:00Z",
			&debug.BuildInfo{Settings: vcs(rev, "2026-02-03T04:05:06Z", "true")},
			Info{Version: "v2.0.0", Commit: "fedcba9876543210", Date: "2026-03-01T00:00:00Z"},
			"v2.0.0 (commit fedcba987654, built 2026-03-01T00:00:00Z, "},
		{"nothing known", "", "", "", nil, Info{Version: "dev"}, "dev ("},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := resolve(tc.version, tc.commit, tc.date, tc.bi)
			tc.want.Go, tc.want.Platform = runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH
			if got != tc.want {
				t.Fatalf("resolve:\n got %+v\nwant %+v", got, tc.want)
			}
			if l := got.Long(); !strings.HasPrefix(l, tc.long) || !strings.HasSuffix(l, tc.want.Platform+")") {
				t.Fatalf("Long() = %q, want prefix %q", l, tc.long)
			}
		})
	}
}

// TestStampedBinary builds localgpt with the release build's -ldflags and
// checks what --version prints.
func TestStampedBinary(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "localgpt")
	pkg := "github.com/localgpt-go/localgpt/internal/version"
	ldflags := "-s -w -X " + pkg + ".Version=v9.8.7 -X " + pkg + ".Commit=abcdef0123456789 -X " + pkg + ".Date=2026-04-05T06:07:08Z"
	build := exec.Command("go", "build", "-trimpath", "-ldflags", ldflags, "-o", bin, "github.com/localgpt-go/localgpt/cmd/localgpt")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "--version")
	cmd.Env = []string{"LOCALGPT_HOME=" + t.TempDir(), "HOME=" + t.TempDir()}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("--version: %v", err)
	}
	want := "localgpt version v9.8.7 (commit abcdef012345, built 2026-04-05T06:07:08Z, " + runtime.Version() + ", " + runtime.GOOS + "/" + runtime.GOARCH + ")\n"
	if string(out) != want {
		t.Fatalf("--version printed %q, want %q", out, want)
	}
}
