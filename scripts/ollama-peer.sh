#!/usr/bin/env bash
# The Ollama peer for the end-to-end tests (docs/e2e.md).
#
#   scripts/ollama-peer.sh build          build and cache the ollama binary, print its path
#   scripts/ollama-peer.sh start DIR      start `ollama serve` on a free loopback port with a
#                                         private HOME and OLLAMA_MODELS under DIR, register
#                                         the generated chat and embedding models, print the URL
#   scripts/ollama-peer.sh stop DIR       stop the server started in DIR (with LOCALGPT_PEER_OWNER=PID
#                                         set at start, it also stops when process PID ends)
#   scripts/ollama-peer.sh run -- CMD...  build, start in a temp dir, run CMD with
#                                         LOCALGPT_E2E_OLLAMA_URL, LOCALGPT_E2E_OLLAMA_BIN,
#                                         LOCALGPT_E2E_MODEL and LOCALGPT_E2E_EMBED_MODEL exported,
#                                         stop, exit with CMD's status
#
# The binary is cached under ${LOCALGPT_OLLAMA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/localgpt-ollama}/VERSION,
# so only the first build (about 5 minutes on 2 cores) is slow. Works on a fresh Debian machine
# as root (or with sudo) with only Go installed: missing packages are installed with apt-get.
set -euo pipefail

OLLAMA_VERSION=v0.17.4
# miniaudio.h is not packaged by Debian; this Go module ships it.
MALGO_VERSION=v0.11.24
MODEL=${LOCALGPT_E2E_MODEL:-localgpt-e2e}
EMBED_MODEL=${LOCALGPT_E2E_EMBED_MODEL:-localgpt-e2e-embed}

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${LOCALGPT_OLLAMA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/localgpt-ollama}/$OLLAMA_VERSION
bin=$cache/bin/ollama

log() { echo "ollama-peer: $*" >&2; }
die() { log "$*"; exit 1; }

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# install_deps installs the Debian packages the cgo build needs, if any is missing.
install_deps() {
	local need=()
	command -v gcc >/dev/null || need+=(gcc)
	command -v g++ >/dev/null || need+=(g++)
	[ -f /usr/include/nlohmann/json.hpp ] || need+=(nlohmann-json3-dev)
	[ -f /usr/include/stb/stb_image.h ] || need+=(libstb-dev)
	if ((${#need[@]})); then
		command -v apt-get >/dev/null || die "missing ${need[*]} and no apt-get: install them and retry"
		log "installing ${need[*]}"
		as_root apt-get update -qq
		DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
	fi
}

cmd_build() {
	if [ -x "$bin" ] && [ "$(cat "$bin.version" 2>/dev/null)" = "$OLLAMA_VERSION" ]; then
		echo "$bin"
		return
	fi
	install_deps
	mkdir -p "$cache/bin" "$cache/include/miniaudio"
	# Go strips vendor/ folders from module zips: supply miniaudio.h from malgo.
	local malgo
	malgo=$(cd "$cache" && GOFLAGS= go mod download -json "github.com/gen2brain/malgo@$MALGO_VERSION" |
		sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	[ -f "$malgo/miniaudio.h" ] || die "miniaudio.h not found in github.com/gen2brain/malgo@$MALGO_VERSION ($malgo)"
	cp "$malgo/miniaudio.h" "$cache/include/miniaudio/miniaudio.h"
	log "building github.com/ollama/ollama@$OLLAMA_VERSION with cgo (about 5 minutes cold, seconds when cached)"
	local tmp
	tmp=$(mktemp -d)
	# Build outside the repo so our go.mod does not take part; GOBIN to a temp dir so a
	# half-built binary never lands in the cache.
	(cd "$tmp" && CGO_ENABLED=1 GOFLAGS= GOBIN="$tmp" \
		CGO_CPPFLAGS="-I$cache/include ${CGO_CPPFLAGS:-}" \
		go install -ldflags "-X github.com/ollama/ollama/version.Version=${OLLAMA_VERSION#v}" \
		"github.com/ollama/ollama@$OLLAMA_VERSION") || { rm -rf "$tmp"; die "building ollama failed"; }
	mv "$tmp/ollama" "$bin"
	echo "$OLLAMA_VERSION" >"$bin.version"
	rm -rf "$tmp"
	echo "$bin"
}

# register DIR URL writes the scripted chat model and the embedding model with our Go
# generators and creates them in the server.
register() {
	local dir=$1 url=$2
	mkdir -p "$dir/model" "$dir/embed"
	(cd "$repo" && go run ./e2e/gguf/cmd/scriptedmodel -dir "$dir/model" && go run ./e2e/gguf/cmd/embedmodel -dir "$dir/embed") >&2 ||
		die "writing the generated models failed"
	OLLAMA_HOST=$url HOME="$dir/home" "$bin" create "$MODEL" -f "$dir/model/Modelfile" >"$dir/create.log" 2>&1 ||
		{ cat "$dir/create.log" >&2; die "ollama create $MODEL failed"; }
	OLLAMA_HOST=$url HOME="$dir/home" "$bin" create "$EMBED_MODEL" -f "$dir/embed/Modelfile" >>"$dir/create.log" 2>&1 ||
		{ cat "$dir/create.log" >&2; die "ollama create $EMBED_MODEL failed"; }
}

cmd_start() {
	local dir=${1:?usage: ollama-peer.sh start DIR}
	cmd_build >/dev/null
	mkdir -p "$dir/home" "$dir/models"
	dir=$(cd "$dir" && pwd)
	# Port 0: the kernel picks a free port and the server logs it. Private HOME and model
	# store, loopback only, a debug log that shows what the runner was given.
	# OLLAMA_CONTEXT_LENGTH differs from the model's window, so a test can tell whether a
	# client sent num_ctx from /api/show. setsid: the server and its runners form one
	# process group, which stop ends.
	# The log exists before the server starts: the background job opens it only when it
	# runs, and reading it first failed the start (sed: can't read, under set -e).
	: >"$dir/server.log"
	HOME="$dir/home" OLLAMA_MODELS="$dir/models" OLLAMA_HOST="127.0.0.1:0" OLLAMA_DEBUG=1 \
		OLLAMA_CONTEXT_LENGTH=512 \
		OLLAMA_NOPRUNE=1 OLLAMA_KEEP_ALIVE=1h OLLAMA_NUM_PARALLEL=1 \
		setsid "$bin" serve >"$dir/server.log" 2>&1 </dev/null &
	echo $! >"$dir/pid"
	local i addr=""
	for i in $(seq 1 150); do
		addr=$(sed -n 's/.*msg="Listening on \(127\.0\.0\.1:[0-9]*\).*/\1/p' "$dir/server.log" | head -1)
		[ -n "$addr" ] && break
		kill -0 "$(cat "$dir/pid")" 2>/dev/null || { tail -20 "$dir/server.log" >&2; rm -f "$dir/pid"; die "ollama serve exited"; }
		sleep 0.2
	done
	[ -n "$addr" ] || { cmd_stop "$dir"; die "ollama serve did not start listening within 30 s (log: $dir/server.log)"; }
	local url="http://$addr"
	echo "$url" >"$dir/url"
	(register "$dir" "$url") || { cmd_stop "$dir"; die "registering the model failed; the server is stopped"; }
	# The server runs in its own session, so a Ctrl-C or a crash of the process that
	# started it would leave it behind: with LOCALGPT_PEER_OWNER=PID, a watcher stops it
	# when that process is gone.
	if [ -n "${LOCALGPT_PEER_OWNER:-}" ]; then
		(
			while kill -0 "$LOCALGPT_PEER_OWNER" 2>/dev/null && [ -f "$dir/pid" ]; do sleep 1; done
			cmd_stop "$dir"
		) </dev/null >/dev/null 2>&1 &
	fi
	log "serving $MODEL and $EMBED_MODEL on $url (log: $dir/server.log)"
	echo "$url"
}

cmd_stop() {
	local dir=${1:?usage: ollama-peer.sh stop DIR}
	[ -f "$dir/pid" ] || return 0
	local pid
	pid=$(cat "$dir/pid")
	# The server and its runner subprocesses share the process group setsid made.
	kill -TERM -- "-$pid" 2>/dev/null || true
	local i
	for i in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL -- "-$pid" 2>/dev/null || true
	rm -f "$dir/pid"
}

cmd_run() {
	[ "${1:-}" = "--" ] && shift
	(($#)) || die "usage: ollama-peer.sh run -- CMD..."
	local dir url status=0
	dir=$(mktemp -d "${TMPDIR:-/tmp}/localgpt-ollama-peer.XXXXXX")
	# dir is expanded now: the trap runs at the script's exit, where this local is gone
	# (under set -u the server was left running and the folder behind).
	trap "cmd_stop '$dir'; rm -rf '$dir'" EXIT
	url=$(cmd_start "$dir")
	LOCALGPT_E2E_OLLAMA_URL=$url LOCALGPT_E2E_OLLAMA_BIN=$bin LOCALGPT_E2E_MODEL=$MODEL LOCALGPT_E2E_EMBED_MODEL=$EMBED_MODEL \
		LOCALGPT_E2E_SERVER_LOG=$dir/server.log "$@" || status=$?
	return $status
}

case "${1:-}" in
build) cmd_build ;;
start) shift; cmd_start "$@" ;;
stop) shift; cmd_stop "$@" ;;
run) shift; cmd_run "$@" ;;
*) die "usage: ollama-peer.sh build | start DIR | stop DIR | run -- CMD..." ;;
esac
