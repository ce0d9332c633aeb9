// Package version reports which build of localgpt is running.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Version is set at build time with
// -ldflags "-X github.com/localgpt-go/localgpt/internal/version.Version=v1.2.3".
var Version = ""

// String returns the version, falling back to what the Go toolchain
// recorded (module version or VCS revision) and then to "dev".
func String() string {
	v := Version
	if info, ok := debug.ReadBuildInfo(); ok && v == "" {
		if mv := info.Main.Version; mv != "" && mv != "(devel)" {
			v = mv
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && v == "" && len(s.Value) >= 12 {
				v = "dev-" + s.Value[:12]
			}
		}
	}
	if v == "" {
		v = "dev"
	}
	return v
}

// Long is the version with the Go runtime and platform, for --version.
func Long() string {
	return fmt.Sprintf("%s (%s, %s/%s)", String(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
