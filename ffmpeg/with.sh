#!/usr/bin/env bash
# Runs a command (go build, go test, go vet, .ci/package.sh …) linked
# against Relay Studio's own FFmpeg: builds it first when the cache has no
# build for today's ffmpeg/versions and ffmpeg/components (see build.sh),
# then puts its pkg-config files ahead of the system's. The system's
# directories stay on the path for the GL and X11 libraries Fyne asks for.
# RELAYSTUDIO_FFMPEG is the prefix.
#
#   ffmpeg/with.sh [--system] COMMAND...
#
# --system links Debian's shared FFmpeg instead (make SYSTEM_FFMPEG=1).
# --windows cross-builds for Windows x64 instead: our FFmpeg built for
# windows, GOOS/GOARCH and the mingw-w64 compilers set, and pkg-config
# asked only about our prefix (Fyne needs no pkg-config on Windows).
#
# Go's build cache does not hash what pkg-config answers, so a change of
# FFmpeg (ours after Debian's, or a rebuild with other components) would
# reuse objects linked against the old one. It does hash CGO_LDFLAGS: the
# library directory goes there (our prefix's path holds the build's key),
# which makes Go rebuild the cgo packages whenever the FFmpeg changes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cgo_ldflags=$(go env CGO_LDFLAGS)
if [[ ${1:-} == --system ]]; then
	shift
	libdir=$(pkg-config --variable libdir libavcodec) ||
		{ echo "ffmpeg: Debian's FFmpeg development files are missing: run make deps SYSTEM_FFMPEG=1" >&2; exit 1; }
	export CGO_LDFLAGS="$cgo_ldflags -L$libdir"
	exec "$@"
fi
if [[ ${1:-} == --windows ]]; then
	shift
	prefix=$("$here/build.sh" windows | tail -n1)
	export PKG_CONFIG_LIBDIR=$prefix/lib/pkgconfig PKG_CONFIG_PATH=
	export GOOS=windows GOARCH=amd64 CGO_ENABLED=1 CC=x86_64-w64-mingw32-gcc-posix CXX=x86_64-w64-mingw32-g++-posix
	export RELAYSTUDIO_FFMPEG=$prefix
	export CGO_LDFLAGS="$cgo_ldflags -L$prefix/lib"
	exec "$@"
fi
prefix=$("$here/build.sh" linux | tail -n1)
system=$(pkg-config --variable pc_path pkg-config)
export PKG_CONFIG_LIBDIR=$prefix/lib/pkgconfig:$system
export RELAYSTUDIO_FFMPEG=$prefix
export CGO_LDFLAGS="$cgo_ldflags -L$prefix/lib"
exec "$@"
