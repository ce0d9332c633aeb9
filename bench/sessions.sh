#!/bin/sh
# Session benchmarks (issues 13 and 18):
#
#   bench/sessions.sh [OLD_BINARY NEW_BINARY]
#
# Runs the Go benchmarks of internal/session (open a 10,000-message session
# for writing, load it and prepare the next request, print it as `session
# show` does, list 1,000 sessions from the index, append a turn with and
# without its fsync), then, given two builds, times the real binaries side
# by side with bench/compare (interleaved rounds; medians and ratios):
# `session list` of 1,001 sessions, `session show` and resume of the
# 10,000-message one, with peak RSS. Build the binaries the way users get
# them: CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /tmp/new ./cmd/localgpt
# Needs only Go. The machine should be otherwise idle (the load average is
# printed); COUNT (default 5) and ROUNDS (default 5) set the repetitions.
set -eu
cd "$(dirname "$0")/.."
echo "$(nproc) CPUs; $(uptime)"
go test -run '^$' -bench 'Open10k|LoadAndPrepare10k|Show10k|List1000|AppendTurn' -benchmem \
	-count "${COUNT:-5}" ./internal/session/
if [ $# -eq 2 ]; then
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	mkdir "$work/corpus" # the sessions group needs no notes
	go build -o "$work/compare" ./bench/compare
	"$work/compare" -corpus "$work/corpus" -only sessions -rounds "${ROUNDS:-5}" "$1" "$2"
fi
echo "$(uptime)"
