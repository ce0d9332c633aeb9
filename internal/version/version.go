// Package version reports which build of localgpt is running: the release
// version, the commit it was built from and when, stamped by the release
// build (-ldflags -X) or, failing that, read from what the Go toolchain
// recorded in the binary (`go install …@latest` records the module
// version; a build in a git checkout records the commit and its time).
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// Set at build time by the release build (.goreleaser.yaml):
//
//	-ldflags "-X github.com/localgpt-go/localgpt/internal/version.Version=v1.2.3
//	          -X github.com/localgpt-go/localgpt/internal/version.Commit=0123abcd…
//	          -X github.com/localgpt-go/localgpt/internal/version.Date=2026-01-02T03:04:05Z"
//
// They are variables only because -X can set nothing else; nothing
// assigns them at run time.
var (
	Version = ""
	Commit  = ""
	Date    = ""
)

// Info describes a build.
type Info struct {
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
	Date    string `json:"date,omitempty"`
	// Modified is true when the build's checkout had uncommitted changes.
	Modified bool   `json:"modified,omitempty"`
	Go       string `json:"go"`
	Platform string `json:"platform"`
}

// Get returns this binary's build information: the stamped values first,
// then what the toolchain recorded, then "dev".
func Get() Info {
	bi, _ := debug.ReadBuildInfo()
	return resolve(Version, Commit, Date, bi)
}

// resolve fills the stamped values from the toolchain's build info (bi
// may be nil).
func resolve(version, commit, date string, bi *debug.BuildInfo) Info {
	i := Info{Version: version, Commit: commit, Date: date,
		Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi != nil {
		if mv := bi.Main.Version; i.Version == "" && mv != "" && mv != "(devel)" {
			i.Version = mv
		}
		vcs := map[string]string{}
		for _, s := range bi.Settings {
			vcs[s.Key] = s.Value
		}
		rev := vcs["vcs.revision"]
		if i.Commit == "" {
			i.Commit = rev
		}
		if i.Date == "" {
			i.Date = vcs["vcs.time"]
		}
		// Uncommitted changes matter only for the commit they were made on.
		i.Modified = vcs["vcs.modified"] == "true" && rev != "" && i.Commit == rev
	}
	if i.Version == "" {
		i.Version = "dev"
		if len(i.Commit) >= 12 {
			i.Version = "dev-" + i.Commit[:12]
		}
	}
	return i
}

// String returns the version alone ("v1.2.3", or "dev-<commit>" for a
// build from a checkout).
func String() string { return Get().Version }

// Long is the version with the commit, the build date, the Go runtime and
// the platform, for --version.
func Long() string { return Get().Long() }

// Long formats i for --version:
// "v1.2.3 (commit 0123abcd4567, built 2026-01-02T03:04:05Z, go1.26.8, linux/amd64)".
func (i Info) Long() string {
	var parts []string
	if i.Commit != "" {
		c := i.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		if i.Modified {
			c += ", modified"
		}
		parts = append(parts, "commit "+c)
	}
	if i.Date != "" {
		parts = append(parts, "built "+i.Date)
	}
	parts = append(parts, i.Go, i.Platform)
	return fmt.Sprintf("%s (%s)", i.Version, strings.Join(parts, ", "))
}
