#!/bin/sh
# Regenerates cmd/localgpt/default.pgo, the CPU profile that Go's
# profile-guided optimization builds localgpt with (`go build` reads it by
# itself; `-pgo=off` builds without it):
#
#   bench/pgo.sh
#
# Builds localgpt without PGO and with the pgoprofile tag (every process
# then writes its CPU profile to $LOCALGPT_CPUPROFILE_DIR), runs the
# side-by-side benchmark's command, index and daemon figures with it
# (bench/compare.sh: `--help`, `ask` against an instant fake LLM, `memory
# search`, full and no-op reindex, the daemon under the 32-connection
# search load), and merges the profiles of all those processes. The
# search load dominates the samples, as it dominates the daemon's CPU.
# Needs only Go; takes about two minutes. Re-run it when the hot paths
# change (SQLite, the search, the server), and commit the result with the
# figures before and after (docs/benchmarks.md).
set -eu
cd "$(dirname "$0")/.."
work=${WORK:-/tmp/localgpt-pgo}
rm -rf "$work/prof"
mkdir -p "$work/prof"
CGO_ENABLED=0 go build -pgo=off -tags pgoprofile -trimpath -o "$work/localgpt" ./cmd/localgpt
LOCALGPT_CPUPROFILE_DIR="$work/prof" bench/compare.sh "$work/localgpt" "$work/localgpt" -rounds 1 -only cli,index,daemon
go tool pprof -proto "$work"/prof/*.prof >"$work/default.pgo"
mv "$work/default.pgo" cmd/localgpt/default.pgo
echo "cmd/localgpt/default.pgo: $(wc -c <cmd/localgpt/default.pgo) bytes from $(ls "$work/prof" | wc -l) profiles"
