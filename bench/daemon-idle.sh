#!/bin/sh
# Idle cost of the daemon: builds localgpt, starts `daemon start` on a fresh
# home with the given heartbeat interval, and after a warm-up samples VmRSS
# and CPU time (utime+stime from /proc/PID/stat) over a window.
# Usage: bench/daemon-idle.sh [interval] [seconds]   (Linux only)
set -eu
interval=${1:-30m}
window=${2:-60}
dir=$(mktemp -d)
trap 'LOCALGPT_HOME=$dir/home "$dir/localgpt" daemon stop >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
CGO_ENABLED=0 go build -o "$dir/localgpt" ./cmd/localgpt
export LOCALGPT_HOME="$dir/home"
mkdir -p "$LOCALGPT_HOME"
printf '[heartbeat]\ninterval = "%s"\n' "$interval" > "$LOCALGPT_HOME/config.toml"
"$dir/localgpt" daemon start >/dev/null
pid=$(cat "$LOCALGPT_HOME/state/daemon.pid")
tck=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
sleep 5 # warm-up: start-up reindex of the workspace
c0=$(cpu)
sleep "$window"
c1=$(cpu)
rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
anon=$(awk '/RssAnon/ {print $2}' "/proc/$pid/status")
file=$(awk '/RssFile/ {print $2}' "/proc/$pid/status")
cycles=$("$dir/localgpt" daemon status --json | awk -F: '/"cycles"/ {gsub(/[ ,]/, "", $2); print $2}')
echo "interval=$interval window=${window}s rss_kb=$rss (anon=$anon file=$file) peak_rss_kb=$hwm cpu_ticks=$((c1 - c0)) (CLK_TCK=$tck) cpu_pct=$(awk -v t=$((c1 - c0)) -v hz="$tck" -v w="$window" 'BEGIN {printf "%.3f", 100 * t / hz / w}') cycles=$cycles"
