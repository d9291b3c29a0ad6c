#!/usr/bin/env bash
# Checks the installers `make package` wrote, the way a distribution would:
# the .deb's control fields, its desktop entry and AppStream metadata, its
# icons, that the packaged binary runs, and the tarball's contents.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$1
deb="dist/relaystudio_${version}_amd64.deb"
tarball="dist/relaystudio-${version}-linux-amd64.tar.xz"
fail() { echo "package check: $*" >&2; exit 1; }

[[ $(dpkg-deb -f "$deb" Package) == relaystudio ]] || fail "package name is not relaystudio"
[[ $(dpkg-deb -f "$deb" Version) == "$version" ]] || fail "version is not $version"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libavcodec59 libavformat59 libavfilter8 libswscale6 libavutil57 libgl1 libx11-6; do
	grep -qw "$lib" <<<"$depends" || fail "Depends lacks $lib: $depends"
done
[[ -n $(dpkg-deb -f "$deb" Maintainer) ]] || fail "no Maintainer"
[[ -n $(dpkg-deb -f "$deb" Homepage) ]] || fail "no Homepage"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg-deb -x "$deb" "$root"
desktop-file-validate "$root/usr/share/applications/io.github.relaystudio.RelayStudio.desktop"
appstreamcli validate --no-net --pedantic "$root/usr/share/metainfo/io.github.relaystudio.RelayStudio.metainfo.xml" >/dev/null ||
	appstreamcli validate --no-net "$root/usr/share/metainfo/io.github.relaystudio.RelayStudio.metainfo.xml"
for size in 16x16 32x32 48x48 128x128 256x256 512x512; do
	[[ -f $root/usr/share/icons/hicolor/$size/apps/io.github.relaystudio.RelayStudio.png ]] || fail "no $size icon"
done
[[ -f $root/usr/share/icons/hicolor/scalable/apps/io.github.relaystudio.RelayStudio.svg ]] || fail "no scalable icon"
[[ -f $root/usr/share/man/man1/relaystudio.1.gz ]] || fail "no man page"
out=$("$root/usr/bin/relaystudio" --version)
[[ $out == "relaystudio $version"* ]] || fail "packaged binary says '$out'"

listing=$(tar -tJf "$tarball")
grep -q 'usr/local/bin/relaystudio$' <<<"$listing" || fail "tarball has no usr/local/bin/relaystudio"
grep -q '\.desktop$' <<<"$listing" || fail "tarball has no desktop entry"
echo "package check: $deb and $tarball are fine (relaystudio $version)"
