#!/usr/bin/env bash
# Makes (or reuses) a minimal Debian 12 root for the portable tarball's
# test: debootstrap's minbase plus only the OpenGL and X11 client
# libraries a desktop has: no FFmpeg, no x264. Prints its path. Cached
# under ${XDG_CACHE_HOME:-~/.cache}/relaystudio/, keyed by the suite and
# the package list; needs root (debootstrap) and Debian's archive as the
# machine's apt sources name it.
set -euo pipefail
suite=bookworm
include=libgl1,libx11-6,libxcursor1,libxext6,libxi6,libxinerama1,libxrandr2,libxxf86vm1
die() {
	echo "debian root: $*" >&2
	exit 1
}

key=$(printf '%s\n' "$suite" "$include" minbase | sha256sum | cut -c1-16)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/relaystudio
root=$cache/debian12-root-$key
if [[ -f $root/.complete ]]; then
	echo "$root"
	exit 0
fi
((EUID == 0)) || die "debootstrap needs root"
command -v debootstrap >/dev/null || die "debootstrap is missing: run make deps"
mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
[[ -n $mirror ]] || mirror=$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
[[ -n $mirror ]] || die "no Debian archive in the machine's apt sources"

mkdir -p "$cache"
work=$(mktemp -d "$cache/debian12-root.tmp.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "debian root: debootstrap $suite (minbase + GL/X11 client libraries), about 2 minutes" >&2
debootstrap --variant=minbase --include="$include" "$suite" "$work/root" "$mirror" >"$work/log" 2>&1 ||
	die "debootstrap failed: $(tail -n 5 "$work/log")"
# Nothing of FFmpeg may be there, or the test would prove nothing.
if found=$(find "$work/root" \( -name 'libav*.so*' -o -name 'libsw*.so*' -o -name 'libx264*.so*' \) -print -quit) && [[ -n $found ]]; then
	die "the root has an FFmpeg library ($found)"
fi
rm -rf "$root"
mv "$work/root" "$root"
touch "$root/.complete"
echo "$root"
