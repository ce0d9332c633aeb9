//go:build !linux

package sandbox

import "os"

// tree is the process tree of one command on platforms without the Linux
// launcher (tree_*.go make one with newTree(cmd), which prepares cmd
// before it starts). started takes the new process in; kill ends it and
// everything it started; release frees what the tree holds.
type tree interface {
	started(p *os.Process) error
	kill()
	release()
}
