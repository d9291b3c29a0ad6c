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
prefix=$("$here/build.sh" linux | tail -n1)
system=$(pkg-config --variable pc_path pkg-config)
export PKG_CONFIG_LIBDIR=$prefix/lib/pkgconfig:$system
export RELAYSTUDIO_FFMPEG=$prefix
export CGO_LDFLAGS="$cgo_ldflags -L$prefix/lib"
exec "$@"
