#!/usr/bin/env bash
# Copies the web page's libraries into internal/server/web/vendor, at the
# versions pinned (with their integrity hashes) by
# scripts/web-vendor/package-lock.json, with their licences: the files are
# the packages' own release builds, byte for byte (gzipped), so no build
# step runs and anyone can check them against npm (gzip -dc FILE.gz).
#
#   scripts/vendor-web.sh           refresh internal/server/web/vendor
#   scripts/vendor-web.sh --check   fail if it differs from the lockfile's packages
#
# To update a library: change its version in scripts/web-vendor/package.json,
# run `npm install --package-lock-only` there, then this script, and read the
# diff (and the library's changelog) before committing.
set -euo pipefail
cd "$(dirname "$0")/.."

src=scripts/web-vendor
dst=internal/server/web/vendor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cp "$src/package.json" "$src/package-lock.json" "$tmp/"
(cd "$tmp" && npm ci --omit=optional --ignore-scripts --no-audit --no-fund --loglevel=error)
m="$tmp/node_modules"
out="$tmp/vendor"
mkdir "$out"

# The page loads these as classic scripts, each defining one global
# (marked, DOMPurify, hljs); highlight.min.js is highlight.js's build of
# its ~40 common languages. They are kept gzipped (-n: no name or time, so
# the same file always gives the same bytes): the binary embeds them so,
# a third of their size, and the server sends them as they are to
# browsers, which all take gzip.
vendor() { gzip -9n <"$1" >"$out/$2.gz"; }
vendor "$m/marked/lib/marked.umd.js" marked.umd.js
vendor "$m/dompurify/dist/purify.min.js" purify.min.js
vendor "$m/@highlightjs/cdn-assets/highlight.min.js" highlight.min.js

# One licence file, served at /static/vendor/LICENSES.txt and linked from
# the page's help.
{
	for pkg in marked dompurify @highlightjs/cdn-assets; do
		version=$(node -p "require('$m/$pkg/package.json').version")
		printf '%s %s\n%s\n\n' "$pkg" "$version" "$(printf '%*s' 72 '' | tr ' ' '=')"
		cat "$m/$pkg/LICENSE"
		printf '\n\n'
	done
} >"$out/LICENSES.txt"

if [ "${1:-}" = "--check" ]; then
	# Compared uncompressed: another gzip may pack the same file otherwise.
	same() { if [[ $1 == *.gz ]]; then cmp -s <(gzip -dc "$1") <(gzip -dc "$2"); else cmp -s "$1" "$2"; fi; }
	bad=0
	for f in "$out"/* "$dst"/*; do
		name=$(basename "$f")
		if [ ! -e "$out/$name" ] || [ ! -e "$dst/$name" ] || ! same "$out/$name" "$dst/$name"; then
			echo "scripts/vendor-web.sh: $dst/$name is not the file of the package scripts/web-vendor/package-lock.json pins" >&2
			bad=1
		fi
	done
	if [ "$bad" = 1 ]; then
		echo "run scripts/vendor-web.sh to vendor them again" >&2
		exit 1
	fi
	echo "$dst matches scripts/web-vendor/package-lock.json"
	exit 0
fi
rm -rf "$dst"
cp -r "$out" "$dst"
echo "vendored into $dst:"
(cd "$dst" && for f in *; do printf '  %-22s %7d bytes\n' "$f" "$(wc -c <"$f")"; done)
