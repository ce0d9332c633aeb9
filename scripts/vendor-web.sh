#!/usr/bin/env bash
# Copies the web page's libraries into internal/server/web/vendor, at the
# versions pinned (with their integrity hashes) by
# scripts/web-vendor/package-lock.json, with their licences: the files are
# the packages' own release builds, byte for byte, so no build step runs
# and anyone can check them against npm.
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
# its ~40 common languages.
cp "$m/marked/lib/marked.umd.js" "$out/marked.umd.js"
cp "$m/dompurify/dist/purify.min.js" "$out/purify.min.js"
cp "$m/@highlightjs/cdn-assets/highlight.min.js" "$out/highlight.min.js"

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
	if ! diff -r "$out" "$dst"; then
		echo "scripts/vendor-web.sh: $dst differs from the packages scripts/web-vendor/package-lock.json pins; run scripts/vendor-web.sh" >&2
		exit 1
	fi
	echo "$dst matches scripts/web-vendor/package-lock.json"
	exit 0
fi
rm -rf "$dst"
cp -r "$out" "$dst"
echo "vendored into $dst:"
(cd "$dst" && for f in *; do printf '  %-20s %7d bytes, %6d gzipped\n' "$f" "$(wc -c <"$f")" "$(gzip -9c "$f" | wc -c)"; done)
