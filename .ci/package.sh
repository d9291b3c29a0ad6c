#!/usr/bin/env bash
# Builds the installers into dist/: the .deb (nfpm) and the portable
# tarball. Used by `make package`, under ffmpeg/with.sh (which sets
# RELAYSTUDIO_FFMPEG to our FFmpeg's prefix): .ci/package.sh VERSION LDFLAGS.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$1
ldflags=$2
ffmpeg=${RELAYSTUDIO_FFMPEG:?run under ffmpeg/with.sh: the packages ship our own FFmpeg and its licences}
app=io.github.relaystudio.RelayStudio

rm -rf dist/stage
mkdir -p dist/stage/licenses
go build -trimpath -ldflags "$ldflags" -o dist/stage/relaystudio .
gzip -9 -n -c assets/linux/relaystudio.1 >dist/stage/relaystudio.1.gz
# The licences: the binary's copyright statement, FFmpeg's and x264's
# texts, and where their sources come from (with the configure lines).
cp assets/linux/copyright "$ffmpeg"/share/licenses/* dist/stage/licenses/
cp assets/fonts/LICENSE-OFL.txt dist/stage/licenses/NotoSansCJK-LICENSE-OFL.txt

deb="dist/relaystudio_${version}_amd64.deb"
VERSION=$version go tool nfpm package --config assets/linux/nfpm.yaml --packager deb --target "$deb" >/dev/null
echo "wrote $deb"

# The portable tarball: one folder to run from where it is extracted
# (./relaystudio) or to install with its Makefile.
name=relaystudio-${version}-linux-amd64
root=dist/stage/$name
mkdir -p "$root"/share/{applications,metainfo,man/man1,doc/relaystudio,icons/hicolor/scalable/apps}
cp dist/stage/relaystudio assets/linux/portable/Makefile assets/linux/portable/README "$root/"
cp assets/linux/$app.desktop "$root/share/applications/"
cp assets/linux/$app.metainfo.xml "$root/share/metainfo/"
cp dist/stage/relaystudio.1.gz "$root/share/man/man1/"
cp dist/stage/licenses/* "$root/share/doc/relaystudio/"
cp assets/icon.svg "$root/share/icons/hicolor/scalable/apps/$app.svg"
install -Dm644 assets/icon.png "$root/share/icons/hicolor/512x512/apps/$app.png"
for size in 256x256 128x128 64x64 48x48 32x32 24x24 16x16; do
	install -Dm644 "assets/icons/$size/relaystudio.png" "$root/share/icons/hicolor/$size/apps/$app.png"
done
tarball="dist/$name.tar.xz"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}" \
	-C dist/stage -cJf "$tarball" "$name"
echo "wrote $tarball"
