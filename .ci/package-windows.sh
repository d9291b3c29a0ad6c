#!/usr/bin/env bash
# Builds the Windows packages into dist/: the portable zip and the NSIS
# setup.exe. Used by `make package`, under ffmpeg/with.sh --windows (which
# cross-builds our FFmpeg for Windows and sets GOOS, CC, pkg-config and
# RELAYSTUDIO_FFMPEG): .ci/package-windows.sh VERSION LDFLAGS.
#
# Two builds of the same program go in: relaystudio.exe, a windowed
# (GUI-subsystem) exe that the Start menu opens with no console flashing
# up, and relaystudio.com, the console build, which is what `relaystudio`
# typed in cmd or PowerShell runs (PATHEXT puts .COM before .EXE): it
# prints, waits, returns the exit code and stops cleanly on Ctrl-C. Both
# are linked statically (FFmpeg, x264, winpthreads, libgcc): they need
# only DLLs every Windows 10/11 has.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$1
ldflags=$2
ffmpeg=${RELAYSTUDIO_FFMPEG:?run under ffmpeg/with.sh --windows: the packages ship our own FFmpeg and its licences}
[[ ${GOOS:-} == windows ]] || { echo "run under ffmpeg/with.sh --windows" >&2; exit 1; }
for tool in x86_64-w64-mingw32-windres x86_64-w64-mingw32-objdump makensis zip; do
	command -v $tool >/dev/null || { echo "no $tool: run make deps" >&2; exit 1; }
done

toml() { awk -F'"' -v key="$1" '/^\[/ { section = $0 } section == "[Details]" && $1 ~ "^[ \t]*" key "[ \t]*=" { print $2; exit }' FyneApp.toml; }
name=$(toml Name)
description=$(awk -F'"' '/^Description[ \t]*=/ { print $2; exit }' FyneApp.toml)
build=$(awk -F'=' '/^\[/ { section = $0 } section == "[Details]" && $1 ~ /^[ \t]*Build[ \t]*$/ { gsub(/[ \t]/, "", $2); print $2; exit }' FyneApp.toml)
IFS=. read -r major minor patch <<<"${version%%[-+]*}"
[[ $major =~ ^[0-9]+$ && $minor =~ ^[0-9]+$ && $patch =~ ^[0-9]+$ && ${build:-x} =~ ^[0-9]+$ ]] ||
	{ echo "FyneApp.toml: Version must be N.N.N and Build a number for the Windows version resource (have $version, ${build:-no Build})" >&2; exit 1; }

pkg=relaystudio-${version}-windows-amd64
stage=dist/stage-windows
root=$stage/$pkg
rm -rf "$stage"
mkdir -p "$root/licenses" "$stage/rsrc"

# Resources: icon, version, manifest (assets/windows). The .syso sits in
# the package folder only while go build runs.
syso=rsrc_windows_amd64.syso
trap 'rm -f "$syso"' EXIT
resources() { # FILENAME DESCRIPTION
	for f in relaystudio.rc.in relaystudio.manifest; do
		sed -e "s/@MAJOR@/$major/g; s/@MINOR@/$minor/g; s/@PATCH@/$patch/g; s/@BUILD@/$build/g" \
			-e "s/@VERSION@/$version/g; s/@NAME@/$name/g; s/@FILENAME@/$1/g; s|@DESCRIPTION@|$2|g" \
			"assets/windows/$f" >"$stage/rsrc/${f%.in}"
	done
	cp assets/windows/relaystudio.ico "$stage/rsrc/"
	(cd "$stage/rsrc" && x86_64-w64-mingw32-windres -O coff -c 65001 -i relaystudio.rc -o rsrc.o)
	mv "$stage/rsrc/rsrc.o" "$syso"
}
# -s -w: no DWARF or symbol table (a third of the size; Go's own stack
# traces still name functions).
static='-s -w -linkmode=external -extldflags=-static'
resources relaystudio.exe "$name"
go build -trimpath -ldflags "$ldflags $static -H=windowsgui" -o "$root/relaystudio.exe" .
resources relaystudio.com "$name (command line)"
go build -trimpath -ldflags "$ldflags $static" -o "$root/relaystudio.com" .
rm -f "$syso"

# Nothing but system DLLs: no libwinpthread-1.dll, no FFmpeg DLL, no MSVC runtime.
for exe in "$root"/relaystudio.{exe,com}; do
	dlls=$(x86_64-w64-mingw32-objdump -p "$exe" | awk '/DLL Name:/ { print tolower($3) }' | sort -u)
	extra=$(grep -vxE 'advapi32.dll|bcrypt.dll|bcryptprimitives.dll|comdlg32.dll|gdi32.dll|imm32.dll|kernel32.dll|msvcrt.dll|ntdll.dll|ole32.dll|opengl32.dll|shell32.dll|user32.dll|winmm.dll|ws2_32.dll|dwmapi.dll|shlwapi.dll|uxtheme.dll|version.dll|powrprof.dll|secur32.dll|userenv.dll|crypt32.dll|iphlpapi.dll|dnsapi.dll' <<<"$dlls" || true)
	[[ -z $extra ]] || { echo "$exe needs DLLs Windows does not have: $extra" >&2; exit 1; }
done

# Licences and a README, as .txt so Notepad opens them.
cp assets/linux/copyright "$root/licenses/LICENSE.txt"
for f in "$ffmpeg"/share/licenses/*; do
	cp "$f" "$root/licenses/$(basename "$f").txt"
done
cp assets/fonts/LICENSE-OFL.txt "$root/licenses/NotoSansCJK-LICENSE-OFL.txt"
cp assets/windows/README.txt "$root/README.txt"

epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
find "$root" -exec touch -h -d "@$epoch" {} +
zipfile=dist/$pkg.zip
rm -f "$zipfile"
(cd "$stage" && find "$pkg" -print | LC_ALL=C sort | zip -X -9 -q "../$pkg.zip" -@)
echo "wrote $zipfile"

# The installer: the same folder, and the uninstaller's list of exactly
# what it installed (deepest first).
files=$stage/uninstall-files.nsh
{
	(cd "$root" && find . -type f | LC_ALL=C sort -r) | sed 's|^\./||; s|/|\\|g; s|^|\tDelete "$INSTDIR\\|; s|$|"|'
	(cd "$root" && find . -mindepth 1 -type d | LC_ALL=C sort -r) | sed 's|^\./||; s|/|\\|g; s|^|\tRMDir "$INSTDIR\\|; s|$|"|'
} >"$files"
setup=dist/$pkg-setup.exe
makensis -V2 -DVERSION="$version" -DVIVERSION="$major.$minor.$patch.$build" \
	-DSTAGE="$(pwd)/$root" -DFILES="$(pwd)/$files" -DOUTFILE="$(pwd)/$setup" assets/windows/installer.nsi >"$stage/makensis.log" ||
	{ cat "$stage/makensis.log" >&2; exit 1; }
echo "wrote $setup"
