#!/usr/bin/env bash
# What starting a stdio MCP server costs through LocalGPT, against the
# server's own start. For server-everything from npm it times, N runs each
# (medians printed):
#   ts     the official TypeScript client: spawn, initialize, tools/list
#   lg     LocalGPT's client, as `localgpt mcp list --json` reports it
#          (start_ms: spawn, handshake, tools/list, schema checks)
#   lg-all the whole `localgpt mcp list` process, exit included (the
#          server is given time to exit after its input closes)
#   floor  `localgpt paths`: LocalGPT's own start-up, with no server
# Needs node and `npm ci` in mcp-tests. Usage: bench/mcp-start.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20}
bin=$(mktemp -d)/localgpt
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$bin" ./cmd/localgpt
home=$(mktemp -d)
trap 'rm -rf "$home" "$(dirname "$bin")"' EXIT
server=$PWD/mcp-tests/node_modules/@modelcontextprotocol/server-everything/dist/index.js
LOCALGPT_HOME=$home "$bin" config init >/dev/null 2>&1
cat >>"$home/config.toml" <<TOML

[mcp.servers.everything]
command = "node"
args = ["$server", "stdio"]
TOML
median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f ms (n=%d)\n", m, NR}'; }
ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N); awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f\n", (b-a)/1e6}'; }
echo "ts:     $( (cd mcp-tests && node start.mjs "$n" node "$server" stdio) | median)"
echo "lg:     $(for _ in $(seq "$n"); do LOCALGPT_HOME=$home "$bin" mcp list --json 2>/dev/null | awk -F': ' '/"start_ms"/ {print $2+0}'; done | median)"
echo "lg-all: $(for _ in $(seq "$n"); do LOCALGPT_HOME=$home ms "$bin" mcp list --json; done | median)"
echo "floor:  $(for _ in $(seq "$n"); do LOCALGPT_HOME=$home ms "$bin" paths; done | median)"
