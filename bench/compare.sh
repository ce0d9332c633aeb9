#!/bin/sh
# Side-by-side benchmark of two localgpt builds (issue 18):
#
#   bench/compare.sh OLD_BINARY NEW_BINARY [compare flags…]
#
# Generates the 3,000-note corpus (29.5 MB, bench/gencorpus, seed 1) once
# under $WORK (default /tmp/localgpt-compare), then runs bench/compare,
# which measures both builds interleaved (A, B, A, B, …) and prints the
# median of each figure and the ratio B/A as a markdown table. Flags after
# the binaries go to bench/compare (-rounds 5, -conns 32, -load 10s, -only
# cli,sessions,index,daemon, -client raw|net/http, …; `go run ./bench/compare
# -h` lists them). The search load's client is a lean HTTP/1.1 client (like
# wrk) by default: Go's own spends a fifth of the daemon's CPU per request
# on the same two cores.
# Needs only Go; takes about 5 minutes with the default 5 rounds. Build the
# binaries the way users get them, e.g.
#   CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /tmp/new ./cmd/localgpt
set -eu
if [ $# -lt 2 ]; then
	sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
fi
old=$1
new=$2
shift 2
cd "$(dirname "$0")/.."
work=${WORK:-/tmp/localgpt-compare}
corpus="$work/corpus3k"
mkdir -p "$work"
if [ ! -f "$corpus/.done" ]; then
	rm -rf "$corpus"
	go run ./bench/gencorpus -out "$corpus" -files 3000 -mb 30 -seed 1
	touch "$corpus/.done"
fi
go build -o "$work/compare" ./bench/compare
exec "$work/compare" -corpus "$corpus" "$@" "$old" "$new"
