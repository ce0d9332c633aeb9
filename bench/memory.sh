#!/bin/sh
# Memory benchmarks (issue 4): generates the synthetic corpora, runs the Go
# benchmarks of internal/memory on the 10,000-file corpus, then times the
# real binary: full index MB/s and peak RSS, no-op reindex, whole
# `localgpt memory search` commands, and grep -ril over the same files.
#
#   bench/memory.sh [WORKDIR]     (default /tmp/localgpt-bench)
#
# Needs: go, /usr/bin/time (GNU time, for peak RSS), grep. Takes a few minutes.
# The machine should be otherwise idle; the load average is printed at the
# start and the end (on a shared machine, `nice -n -10 bench/memory.sh`).
set -eu
cd "$(dirname "$0")/.."
work=${1:-/tmp/localgpt-bench}
runs=${RUNS:-30}
mkdir -p "$work"
bin="$work/localgpt"
CGO_ENABLED=0 go build -o "$bin" ./cmd/localgpt
echo "binary: $(du -h "$bin" | cut -f1); $(nproc) CPUs; $(uptime)"

gen() { # name files mb
	if [ ! -f "$work/$1/.done" ]; then
		rm -rf "$work/$1"
		go run ./bench/gencorpus -out "$work/$1" -files "$2" -mb "$3" -seed 1
		touch "$work/$1/.done"
	fi
	echo "corpus $1: $(find "$work/$1" -name '*.md' | wc -l) files, $(cat $(find "$work/$1" -name '*.md') | wc -c) bytes"
}

# ms prints the milliseconds a command takes.
ms() {
	s=$(date +%s%N)
	"$@" >/dev/null 2>&1 || true
	e=$(date +%s%N)
	echo $(((e - s) / 1000000))
}

# pct FILE P prints the P-th percentile of the numbers in FILE.
pct() { sort -n "$1" | awk -v p="$2" '{a[NR]=$1} END {i=int(p/100*(NR-1))+1; print a[i]}'; }

cli() { # name
	home="$work/home-$1"
	rm -rf "$home"
	mkdir -p "$home"
	printf '[memory]\nworkspace = "%s"\n' "$work/$1" >"$home/config.toml"
	export LOCALGPT_HOME="$home"
	"$bin" paths >/dev/null 2>&1
	echo "== $1: full index (localgpt memory reindex --force)"
	/usr/bin/time -v "$bin" memory reindex --force 2>"$work/time.txt" | tail -1
	grep -E "Maximum resident|Elapsed" "$work/time.txt"
	echo "== $1: no-op reindex (whole command), ms: $(ms "$bin" memory reindex)"
	for q in "deploy budget" "postgres migration" "kalomi" "review plan customer" "会議の議事録" "latency cache"; do
		: >"$work/lat.txt"
		: >"$work/grep.txt"
		i=0
		while [ $i -lt "$runs" ]; do
			ms "$bin" memory search "$q" >>"$work/lat.txt"
			i=$((i + 1))
		done
		i=0
		while [ $i -lt 5 ]; do
			ms grep -ril -- "${q%% *}" "$work/$1" >>"$work/grep.txt"
			i=$((i + 1))
		done
		echo "   search \"$q\": command p50 $(pct "$work/lat.txt" 50) ms, p99 $(pct "$work/lat.txt" 99) ms; grep -ril p50 $(pct "$work/grep.txt" 50) ms"
	done
	unset LOCALGPT_HOME
}

gen corpus10k 10000 100
gen corpus3k 3000 30
cli corpus3k
cli corpus10k
echo "== Go benchmarks on corpus10k"
LOCALGPT_BENCH_CORPUS="$work/corpus10k" go test -run '^$' -bench 'FullIndex' -benchtime 2x -timeout 30m ./internal/memory
LOCALGPT_BENCH_CORPUS="$work/corpus10k" go test -run '^$' -bench 'Noop|OneChanged|Search' -benchtime 3s -timeout 30m ./internal/memory
echo "done; $(uptime)"
