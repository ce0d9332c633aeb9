//go:build pgoprofile

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
)

// Built only by bench/pgo.sh (-tags pgoprofile), so that release binaries
// carry no profiler: with LOCALGPT_CPUPROFILE_DIR set, every localgpt
// process writes its CPU profile there as PID.prof, from start to exit.
func init() {
	dir := os.Getenv("LOCALGPT_CPUPROFILE_DIR")
	if dir == "" {
		return
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%d.prof", os.Getpid())))
	if err != nil {
		fmt.Fprintln(os.Stderr, "localgpt: cpu profile:", err)
		return
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, "localgpt: cpu profile:", err)
		f.Close()
		return
	}
	stopProfile = func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
