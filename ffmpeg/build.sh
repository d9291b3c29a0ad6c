#!/usr/bin/env bash
# Builds Relay Studio's own FFmpeg 5.1 and x264 from Debian 12's source
# packages: static, position-independent libraries trimmed to the
# components in ffmpeg/components, for one target:
#
#   ffmpeg/build.sh [linux|windows]     (default linux)
#
# The result is cached outside the tree, under
# ${XDG_CACHE_HOME:-~/.cache}/relaystudio/ffmpeg/TARGET-KEY, where KEY is a
# hash of what shapes the build: the source versions, both configure lines,
# the target, the compiler's version and RECIPE below. A second run
# with the same inputs only prints the prefix. The last line on stdout is
# always the prefix (its lib/pkgconfig is what go-astiav links through);
# progress goes to stderr, full build logs to the cache's log/ folder.
#
# Needs: apt-get (sources are fetched through a private apt configuration
# with a deb-src entry: the machine's own sources are not touched),
# dpkg-source, make, nasm and a C compiler (for windows: the mingw-w64
# posix toolchain). `make deps` installs them.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
target=${1:-linux}
say() { echo "ffmpeg: $*" >&2; }
die() {
	say "$*"
	exit 1
}

# shellcheck source=versions
source "$here/versions"

# Bump when a build step changes in a way the configure lines do not show
# (the licence files, the install steps): it is part of the cache key.
RECIPE=1

case $target in
linux)
	cc=${CC_LINUX:-gcc}
	x264_host=()
	ffmpeg_cross=()
	;;
windows)
	cc=x86_64-w64-mingw32-gcc-posix
	x264_host=(--host=x86_64-w64-mingw32 --cross-prefix=x86_64-w64-mingw32-)
	ffmpeg_cross=(--enable-cross-compile --target-os=mingw32 --arch=x86_64 --cross-prefix=x86_64-w64-mingw32-
		--cc=x86_64-w64-mingw32-gcc-posix --cxx=x86_64-w64-mingw32-g++-posix --pkg-config=pkg-config)
	;;
*) die "unknown target '$target': use linux or windows" ;;
esac
if ! command -v "$cc" >/dev/null; then
	[[ $target == windows ]] && die "no $cc: install gcc-mingw-w64-x86-64-posix and g++-mingw-w64-x86-64-posix"
	die "no C compiler '$cc': run make deps"
fi
command -v nasm >/dev/null || die "nasm is missing: run make deps"

# The components: one 'KIND NAME' a line; comments and blank lines skipped.
enable=()
while read -r kind name _; do
	[[ -z $kind || $kind == \#* ]] && continue
	case $kind in
	decoder | encoder | parser | bsf | demuxer | muxer | protocol | filter) ;;
	*) die "ffmpeg/components: unknown kind '$kind' (decoder, encoder, parser, bsf, demuxer, muxer, protocol, filter)" ;;
	esac
	[[ -n $name ]] || die "ffmpeg/components: '$kind' without a name"
	enable+=("--enable-$kind=$name")
done < <(sed 's/#.*//' "$here/components")

# Everything off, then only what the engine uses. No programs, docs or
# autodetected system libraries: the only external is x264. avdevice and
# avformat stay (go-astiav links them) but hold no device or format.
ffmpeg_configure=(
	--disable-everything --disable-autodetect --disable-programs --disable-doc
	--disable-network --disable-postproc
	--enable-gpl --enable-libx264
	--enable-static --disable-shared --enable-pic
	--pkg-config-flags=--static
	"${ffmpeg_cross[@]}"
	"${enable[@]}"
)
x264_configure=(--enable-static --enable-pic --disable-cli --disable-opencl
	--disable-avs --disable-swscale --disable-lavf --disable-ffms --disable-gpac --disable-lsmash
	"${x264_host[@]}")

compiler=$("$cc" --version | head -n1)
key=$(printf '%s\n' "recipe $RECIPE" "$target" "$compiler" "$FFMPEG_SOURCE=$FFMPEG_VERSION" "$X264_SOURCE=$X264_VERSION" \
	"x264: ${x264_configure[*]}" "ffmpeg: ${ffmpeg_configure[*]}" | sha256sum | cut -c1-16)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/relaystudio/ffmpeg
prefix=$cache/$target-$key
if [[ -f $prefix/.complete ]]; then
	echo "$prefix"
	exit 0
fi

mkdir -p "$cache"
work=$(mktemp -d "$cache/tmp.XXXXXX")
trap 'rm -rf "$work"' EXIT
rm -rf "$prefix"
mkdir -p "$prefix/log" "$work/src"
start=$SECONDS

# Sources, through a private apt configuration: the system's sources with
# deb-src added, lists kept in our own cache.
apt_dir=$cache/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/sources.list.d"
: >"$apt_dir/sources.list"
system_sources=(/etc/apt/sources.list.d/*.sources)
[[ -e ${system_sources[0]} ]] || die "no deb822 sources in /etc/apt/sources.list.d to take the archive's address from"
sed -E 's/^Types:.*/Types: deb deb-src/' "${system_sources[@]}" >"$apt_dir/sources.list.d/relaystudio-src.sources"
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=$apt_dir/sources.list.d"
	-o "Dir::State::Lists=$apt_dir/lists" -o "Debug::NoLocking=true" -q)
say "fetching the source packages ($FFMPEG_SOURCE $FFMPEG_VERSION, $X264_SOURCE $X264_VERSION)"
apt-get "${apt_opts[@]}" update >"$prefix/log/apt.log" 2>&1 || die "apt-get update failed: see $prefix/log/apt.log"
for pkg in "$FFMPEG_SOURCE=$FFMPEG_VERSION" "$X264_SOURCE=$X264_VERSION"; do
	if ! (cd "$work/src" && apt-get "${apt_opts[@]}" source --download-only "$pkg") >>"$prefix/log/apt.log" 2>&1; then
		have=$(apt-cache "${apt_opts[@]}" showsrc "${pkg%%=*}" 2>/dev/null | awk '/^Version:/ { print $2 }' | sort -u | paste -sd' ')
		die "Debian's archive has no source package $pkg (it has: ${have:-none}); set the version in ffmpeg/versions"
	fi
done
for dsc in "$work"/src/*.dsc; do
	(cd "$work/src" && dpkg-source --no-check -x "$(basename "$dsc")") >>"$prefix/log/apt.log" 2>&1 ||
		die "dpkg-source could not unpack $(basename "$dsc"): see $prefix/log/apt.log"
done
x264_src=$(find "$work/src" -maxdepth 1 -type d -name 'x264-*' | head -n1)
ffmpeg_src=$(find "$work/src" -maxdepth 1 -type d -name 'ffmpeg-*' | head -n1)
[[ -d $x264_src && -d $ffmpeg_src ]] || die "the unpacked sources are not where expected in $work/src"

jobs=$(nproc)
say "building x264 for $target"
(cd "$x264_src" && ./configure --prefix="$prefix" "${x264_configure[@]}" && make -j"$jobs" && make install-lib-static) \
	>"$prefix/log/x264.log" 2>&1 || die "x264 did not build: see $prefix/log/x264.log"

say "building FFmpeg for $target (${#enable[@]} components)"
(
	cd "$ffmpeg_src"
	PKG_CONFIG_LIBDIR=$prefix/lib/pkgconfig PKG_CONFIG_PATH='' ./configure --prefix="$prefix" \
		--extra-cflags="-I$prefix/include" --extra-ldflags="-L$prefix/lib" "${ffmpeg_configure[@]}" &&
		make -j"$jobs" && make install
) >"$prefix/log/ffmpeg.log" 2>&1 || die "FFmpeg did not build: see $prefix/log/ffmpeg.log"

# What the packages ship beside the binary: the licences, the configure
# line and where the sources come from.
mkdir -p "$prefix/share/licenses"
cp "$ffmpeg_src/COPYING.GPLv2" "$prefix/share/licenses/FFmpeg-COPYING.GPLv2"
cp "$ffmpeg_src/LICENSE.md" "$prefix/share/licenses/FFmpeg-LICENSE.md"
cp "$x264_src/COPYING" "$prefix/share/licenses/x264-COPYING"
upstream=$(sed -n 's/^#define FFMPEG_VERSION "\(.*\)"/\1/p' "$ffmpeg_src/libavutil/ffversion.h" 2>/dev/null || true)
cat >"$prefix/share/licenses/SOURCES" <<EOF
Relay Studio links its own static build of FFmpeg and x264, made from
Debian 12 (bookworm) source packages by ffmpeg/build.sh in Relay Studio's
source tree:

  FFmpeg: source package $FFMPEG_SOURCE $FFMPEG_VERSION${upstream:+ (FFmpeg $upstream)}
  x264:   source package $X264_SOURCE $X264_VERSION

Both sources are in Debian's archive: apt-get source $FFMPEG_SOURCE=$FFMPEG_VERSION
$X264_SOURCE=$X264_VERSION (Debian's patches applied as dpkg-source does).
With x264, this FFmpeg and the Relay Studio binary that links it are
distributed under the GNU General Public License, version 2 or later
(FFmpeg-COPYING.GPLv2).

x264 configure: ${x264_configure[*]}
FFmpeg configure: ${ffmpeg_configure[*]}
EOF
touch "$prefix/.complete"
# Keep this build and the complete one before it (switching branches back
# and forth should not rebuild); older and failed builds of this target go.
for dir in "$cache/$target"-*/; do
	dir=${dir%/}
	[[ $dir != "$prefix" && ! -f $dir/.complete ]] && rm -rf "$dir"
done
find "$cache" -maxdepth 1 -name "$target-*" -type d ! -path "$prefix" -printf '%T@ %p\n' | sort -rn | tail -n +2 |
	cut -d' ' -f2- | xargs -r rm -rf
say "built in $((SECONDS - start)) s: $prefix"
echo "$prefix"
