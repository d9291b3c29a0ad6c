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
grep -q "<release version=\"$version\"" "$root/usr/share/metainfo/io.github.relaystudio.RelayStudio.metainfo.xml" ||
	fail "the AppStream metadata has no release $version (FyneApp.toml's version): add it to assets/linux/*.metainfo.xml"

# Every library the binary links must come from a package the .deb depends
# on (or from libc, which every system has).
while read -r lib; do
	owner=$(dpkg -S "*/$lib" 2>/dev/null | head -n1 | cut -d: -f1)
	[[ -n $owner ]] || fail "cannot tell which package provides $lib"
	case $owner in libc6 | libgcc-s1 | libstdc++6) continue ;; esac
	grep -qw "$owner" <<<"$depends" || fail "the binary links $lib from $owner, which Depends does not name: $depends"
done < <(objdump -p "$root/usr/bin/relaystudio" | awk '$1 == "NEEDED" { print $2 }')

# Install it as a person would, run it, remove it: only as root, and only
# when no copy is installed already (a person's own install is left alone).
if ((EUID == 0)) && ! dpkg-query -W -f='${Status}' relaystudio 2>/dev/null | grep -q "ok installed"; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "./$deb" >/dev/null ||
		fail "apt-get install ./$deb failed"
	installed=$(/usr/bin/relaystudio --version) || fail "the installed relaystudio does not run"
	[[ $installed == "relaystudio $version"* ]] || fail "the installed binary says '$installed'"
	[[ -f /usr/share/applications/io.github.relaystudio.RelayStudio.desktop ]] || fail "no desktop entry after install"
	DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq relaystudio >/dev/null || fail "apt-get remove relaystudio failed"
	for f in /usr/bin/relaystudio /usr/share/applications/io.github.relaystudio.RelayStudio.desktop \
		/usr/share/icons/hicolor/512x512/apps/io.github.relaystudio.RelayStudio.png /usr/share/man/man1/relaystudio.1.gz; do
		[[ ! -e $f ]] || fail "$f is left behind after apt-get remove"
	done
	echo "package check: installed with apt-get, ran, removed cleanly"
else
	echo "package check: install and remove not tried (needs root and no relaystudio installed)"
fi

listing=$(tar -tJf "$tarball")
grep -q 'usr/local/bin/relaystudio$' <<<"$listing" || fail "tarball has no usr/local/bin/relaystudio"
grep -q '\.desktop$' <<<"$listing" || fail "tarball has no desktop entry"
grep -q '\.png$' <<<"$listing" || fail "tarball has no icon"
tardir=$(mktemp -d)
tar -xJf "$tarball" -C "$tardir" --wildcards '*.desktop'
desktop-file-validate $(find "$tardir" -name '*.desktop')
rm -rf "$tardir"
echo "package check: $deb and $tarball are fine (relaystudio $version)"
