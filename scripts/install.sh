#!/bin/sh
# Installs localgpt from a release: picks the archive for this machine,
# checks its SHA-256 against the release's checksums.txt, and puts the
# binary in ~/.local/bin (created if missing).
#
#   curl -fsSL https://raw.githubusercontent.com/localgpt-go/localgpt/main/scripts/install.sh | sh
#
# Environment:
#   LOCALGPT_VERSION       release tag to install (v1.2.3); default: the latest
#   LOCALGPT_INSTALL_DIR   where to put the binary; default: ~/.local/bin
#   LOCALGPT_DOWNLOAD_URL  folder holding checksums.txt and the archives;
#                          default: the GitHub release of LOCALGPT_VERSION
set -eu

repo_url="https://github.com/localgpt-go/localgpt"

die() {
	echo "install.sh: $*" >&2
	exit 1
}

# platform prints the release's name for this machine: linux_amd64, …
platform() {
	kernel=$(uname -s)
	machine=$(uname -m)
	case "$kernel" in
	Linux) os=linux ;;
	Darwin) os=darwin ;;
	MINGW* | MSYS* | CYGWIN* | Windows_NT) os=windows ;;
	*) die "no release for $kernel; build from source: go install github.com/localgpt-go/localgpt/cmd/localgpt@latest" ;;
	esac
	case "$machine" in
	x86_64 | amd64) arch=amd64 ;;
	aarch64 | arm64) arch=arm64 ;;
	*) die "no release for $kernel on $machine (there are linux and darwin amd64/arm64, windows amd64); build from source: go install github.com/localgpt-go/localgpt/cmd/localgpt@latest" ;;
	esac
	# A shell under Rosetta reports x86_64 on Apple Silicon: take the native build.
	if [ "$os/$arch" = darwin/amd64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || true)" = 1 ]; then
		arch=arm64
	fi
	if [ "$os/$arch" = windows/arm64 ]; then
		die "no release for Windows on ARM; the windows_amd64 build runs under its x64 emulation: set LOCALGPT_DOWNLOAD_URL and install it by hand"
	fi
	echo "${os}_${arch}"
}

# fetch URL FILE downloads URL into FILE, failing on HTTP errors.
fetch() {
	if command -v curl >/dev/null 2>&1; then
		curl -fsSL --proto-redir '=https' -o "$2" "$1" || die "download of $1 failed"
	elif command -v wget >/dev/null 2>&1; then
		wget -q -O "$2" "$1" || die "download of $1 failed"
	else
		die "neither curl nor wget is installed; install one of them and run this again"
	fi
}

sha256() {
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum "$1" | cut -d' ' -f1
	elif command -v shasum >/dev/null 2>&1; then
		shasum -a 256 "$1" | cut -d' ' -f1
	else
		die "neither sha256sum nor shasum is installed, so the download cannot be checked"
	fi
}

main() {
	plat=$(platform)
	version=${LOCALGPT_VERSION:-latest}
	base=${LOCALGPT_DOWNLOAD_URL:-}
	if [ -z "$base" ]; then
		if [ "$version" = latest ]; then
			base="$repo_url/releases/latest/download"
		else
			base="$repo_url/releases/download/$version"
		fi
	fi
	base=${base%/}
	ext=tar.gz
	exe=localgpt
	case "$plat" in windows_*)
		ext=zip
		exe=localgpt.exe
		;;
	esac
	dir=${LOCALGPT_INSTALL_DIR:-${HOME:?HOME is not set; set LOCALGPT_INSTALL_DIR}/.local/bin}

	tmp=$(mktemp -d 2>/dev/null || mktemp -d -t localgpt)
	trap 'rm -rf "$tmp"' EXIT INT TERM

	fetch "$base/checksums.txt" "$tmp/checksums.txt"
	# Lines are "<sha256>  localgpt_<version>_<os>_<arch>.<ext>".
	line=$(grep -E "^[0-9a-f]{64}  localgpt_[^ /]*_${plat}\.${ext}\$" "$tmp/checksums.txt" || true)
	[ -n "$line" ] || die "the release at $base has no archive for $plat"
	[ "$(printf '%s\n' "$line" | wc -l)" -eq 1 ] || die "the release at $base lists more than one archive for $plat"
	want=${line%% *}
	archive=${line##* }

	echo "Downloading $archive"
	fetch "$base/$archive" "$tmp/$archive"
	got=$(sha256 "$tmp/$archive")
	[ "$got" = "$want" ] || die "checksum mismatch for $archive: expected $want, got $got; nothing was installed (try again; if it persists, report it at $repo_url/issues)"

	mkdir -p "$tmp/x"
	if [ "$ext" = zip ]; then
		command -v unzip >/dev/null 2>&1 || die "unzip is needed to unpack $archive"
		unzip -q "$tmp/$archive" "$exe" -d "$tmp/x" || die "$archive has no $exe"
	else
		tar -xzf "$tmp/$archive" -C "$tmp/x" "$exe" || die "$archive has no $exe"
	fi

	mkdir -p "$dir" || die "cannot create $dir; set LOCALGPT_INSTALL_DIR to a folder you can write"
	# Replace the binary in one step, so a running localgpt is not clobbered.
	cp "$tmp/x/$exe" "$dir/.$exe.new"
	chmod 755 "$dir/.$exe.new"
	mv -f "$dir/.$exe.new" "$dir/$exe"
	echo "Installed $dir/$exe ($("$dir/$exe" --version 2>/dev/null || echo "$archive"))"

	case ":${PATH:-}:" in
	*":$dir:"*) ;;
	*)
		case "${SHELL:-}" in
		*/zsh) rc='~/.zshrc' ;;
		*/fish) rc='' ;;
		*) rc='~/.bashrc' ;;
		esac
		echo
		echo "$dir is not on your PATH. To use localgpt by name, add it:"
		if [ -z "$rc" ]; then
			echo "  fish_add_path $dir"
		else
			echo "  echo 'export PATH=\"$dir:\$PATH\"' >> $rc && . $rc"
		fi
		;;
	esac
	echo "Next: localgpt config init && localgpt doctor"
}

main "$@"
