//go:build linux

package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	ll "github.com/landlock-lsm/go-landlock/landlock/syscall"
	"golang.org/x/sys/unix"
)

// Landlock rights, grouped as the sandbox grants them.
const (
	// readRights let a file be read and run.
	readRights = ll.AccessFSExecute | ll.AccessFSReadFile
	// fileRights are the rights that apply to a file (not a folder).
	fileRights = ll.AccessFSExecute | ll.AccessFSWriteFile | ll.AccessFSReadFile | ll.AccessFSTruncate | ll.AccessFSIoctlDev
	// deviceRights let the command write the harmless devices.
	deviceRights = ll.AccessFSWriteFile | ll.AccessFSTruncate | ll.AccessFSIoctlDev
)

// devices are written by ordinary commands (`>/dev/null`, `head -c 8
// /dev/urandom`); they hold nothing to protect.
func devices() []string {
	return []string{"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"}
}

// handledFS is every filesystem right the kernel's Landlock ABI knows:
// what it does not handle, it cannot deny.
func handledFS(abi int) uint64 {
	h := uint64(ll.AccessFSMakeSym<<1 - 1) // ABI 1: execute … make_sym
	if abi >= 2 {
		h |= ll.AccessFSRefer
	}
	if abi >= 3 {
		h |= ll.AccessFSTruncate
	}
	if abi >= 5 {
		h |= ll.AccessFSIoctlDev
	}
	return h
}

// landlockABI returns the kernel's Landlock ABI version, or 0 and why
// there is none.
func landlockABI() (int, string) {
	abi, err := ll.LandlockGetABIVersion()
	switch {
	case errors.Is(err, unix.ENOSYS):
		return 0, "this kernel has no Landlock (it needs Linux 5.13 or later built with CONFIG_SECURITY_LANDLOCK)"
	case errors.Is(err, unix.EOPNOTSUPP):
		return 0, "Landlock is turned off in this kernel (add landlock to the lsm= boot parameter)"
	case err != nil:
		return 0, fmt.Sprintf("Landlock is not usable: %v", err)
	case abi < 1:
		return 0, fmt.Sprintf("Landlock reports an unknown ABI version %d", abi)
	}
	return abi, ""
}

// ruleset is a prepared Landlock ruleset; file is nil when Landlock is
// missing, and warning then says so. Preparing one restricts nothing: only
// the launcher's command thread enforces it.
type ruleset struct {
	key     string
	file    *os.File
	abi     int
	warning string
	// seen are the folders whose entries were granted one by one: an
	// entry added or removed there makes the ruleset stale.
	seen []seenDir
}

type seenDir struct {
	path string
	fi   os.FileInfo
}

// fresh reports whether no folder the ruleset was built from changed.
func (rs *ruleset) fresh() bool {
	for _, d := range rs.seen {
		fi, err := os.Stat(d.path)
		if err != nil || !os.SameFile(fi, d.fi) || !fi.ModTime().Equal(d.fi.ModTime()) {
			return false
		}
	}
	return true
}

// buildRuleset prepares (but does not enforce) the rules of p: read and
// run everything but p.Hidden, write p.Writable (p.Hidden and p.ReadOnly
// excepted) and the harmless devices, list any folder, and optionally no
// TCP.
func buildRuleset(p Policy, noLandlock bool) (ruleset, error) {
	abi, why := landlockABI()
	if noLandlock {
		abi, why = 0, "Landlock is switched off for this test"
	}
	if abi == 0 {
		return ruleset{warning: why}, nil
	}
	handled := handledFS(abi)
	attr := ll.RulesetAttr{HandledAccessFS: handled}
	var warning string
	if p.NoNetwork {
		if abi >= 4 {
			attr.HandledAccessNet = ll.AccessNetBindTCP | ll.AccessNetConnectTCP
		} else {
			warning = fmt.Sprintf("this kernel's Landlock (ABI %d) cannot forbid network access (it needs ABI 4, Linux 6.7); tools.bash_network = false is not enforced", abi)
		}
	}
	if abi >= 6 {
		// The command may not signal the launcher (which would let its
		// processes escape the final kill) nor reach abstract sockets of
		// processes outside the sandbox.
		attr.Scoped = ll.ScopeSignal | ll.ScopeAbstractUnixSocket
	}
	fd, err := ll.LandlockCreateRuleset(&attr, 0) // close-on-exec already
	if err != nil {
		return ruleset{}, fmt.Errorf("create a Landlock ruleset: %w", err)
	}
	b := &rules{fd: fd, handled: handled}
	hidden := cleanAll(p.Hidden)
	fixed := append(cleanAll(p.ReadOnly), hidden...)
	b.add("/", ll.AccessFSReadDir, false)
	b.carve("/", readRights, hidden, false)
	write := handled &^ (ll.AccessFSReadDir | readRights)
	for _, w := range cleanAll(p.Writable) {
		b.carve(w, readRights|ll.AccessFSReadDir|write, fixed, false) // ReadOnly stays readable through "/"
	}
	for _, d := range devices() {
		b.add(d, deviceRights, false)
	}
	if b.err != nil {
		unix.Close(fd)
		return ruleset{}, b.err
	}
	return ruleset{file: os.NewFile(uintptr(fd), "landlock-ruleset"), abi: abi, warning: warning, seen: b.seen}, nil
}

// rules adds path-beneath rules to a ruleset.
type rules struct {
	fd      int
	handled uint64
	seen    []seenDir
	err     error
}

// carve grants access to path and everything below it, except the
// excluded paths: a folder that holds one is granted entry by entry
// (Landlock only allows, so what is excluded is what no rule covers).
// Links are skipped: what they point to is covered, or not, where it lives.
func (r *rules) carve(path string, access uint64, exclude []string, nofollow bool) {
	if r.err != nil || slices.Contains(exclude, path) {
		return
	}
	if !slices.ContainsFunc(exclude, func(e string) bool { return within(path, e) }) {
		r.add(path, access, nofollow)
		return
	}
	fi, err := os.Stat(path)
	if err != nil {
		return
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return // unreadable: nothing granted, so nothing reachable
	}
	r.seen = append(r.seen, seenDir{path, fi})
	for _, e := range entries {
		if e.Type()&os.ModeSymlink != 0 {
			continue
		}
		r.carve(filepath.Join(path, e.Name()), access, exclude, true)
	}
}

// add grants access beneath path. Paths that vanished or cannot be opened
// are skipped (not granted); a failure of Landlock itself is kept in r.err.
func (r *rules) add(path string, access uint64, nofollow bool) {
	flags := unix.O_PATH | unix.O_CLOEXEC
	if nofollow {
		flags |= unix.O_NOFOLLOW
	}
	fd, err := unix.Open(path, flags, 0)
	if err != nil {
		return
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
	case unix.S_IFLNK:
		return
	default:
		access &= fileRights
	}
	access &= r.handled
	if access == 0 {
		return
	}
	attr := ll.PathBeneathAttr{AllowedAccess: access, ParentFd: fd}
	if err := ll.LandlockAddPathBeneathRule(r.fd, &attr, 0); err != nil {
		r.err = fmt.Errorf("add the Landlock rule for %s: %w", path, err)
	}
}

// within reports whether path lies strictly below dir (both clean).
func within(dir, path string) bool {
	return strings.HasPrefix(path, strings.TrimSuffix(dir, "/")+"/")
}

func cleanAll(paths []string) []string {
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		if filepath.IsAbs(p) {
			out = append(out, filepath.Clean(p))
		}
	}
	return out
}
