#!/usr/bin/env bash
# Builds the installers into dist/: the .deb (nfpm) and the tarball (fyne
# package). Used by `make package`: .ci/package.sh VERSION LDFLAGS.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$1
ldflags=$2

rm -rf dist/stage
mkdir -p dist/stage
go build -trimpath -ldflags "$ldflags" -o dist/stage/relaystudio .
gzip -9 -n -c assets/linux/relaystudio.1 >dist/stage/relaystudio.1.gz

deb="dist/relaystudio_${version}_amd64.deb"
VERSION=$version go tool nfpm package --config assets/linux/nfpm.yaml --packager deb --target "$deb" >/dev/null
echo "wrote $deb"

# fyne package increments [Details] Build in FyneApp.toml after packaging:
# put the file back so that packaging leaves the working tree as it was.
cp FyneApp.toml dist/stage/FyneApp.toml.keep
restore() { cp dist/stage/FyneApp.toml.keep FyneApp.toml; }
trap restore EXIT
rm -f "Relay Studio.tar.xz"
go tool fyne package --os linux --exe dist/stage/relaystudio --icon assets/icon.png --release >/dev/null
tarball="dist/relaystudio-${version}-linux-amd64.tar.xz"
mv "Relay Studio.tar.xz" "$tarball"
echo "wrote $tarball"
