#!/usr/bin/env bash
# Runs a command (go build, go test, go vet, .ci/package.sh …) linked
# against Relay Studio's own FFmpeg: builds it first when the cache has no
# build for today's ffmpeg/versions and ffmpeg/components (see build.sh),
# then puts its pkg-config files ahead of the system's. The system's
# directories stay on the path for the GL and X11 libraries Fyne asks for.
# The prefix's path holds the build's key, so Go's build cache relinks
# whenever the FFmpeg build changes. RELAYSTUDIO_FFMPEG is the prefix.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
prefix=$("$here/build.sh" linux | tail -n1)
system=$(pkg-config --variable pc_path pkg-config)
export PKG_CONFIG_LIBDIR=$prefix/lib/pkgconfig:$system
export RELAYSTUDIO_FFMPEG=$prefix
exec "$@"
