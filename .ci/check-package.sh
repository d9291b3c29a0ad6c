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
# FFmpeg's and x264's shared libraries (and Debian's packages of them).
ffmpeg_libs='libav|libsw|libx264|libpostproc'

# check_binary BINARY: it runs, says which FFmpeg it carries, and links no
# FFmpeg or x264 shared library (directly or through another library),
# nor a glibc newer than 2.36 (Debian 12's).
check_binary() {
	local bin=$1 out linked glibc
	out=$("$bin" --version) || fail "$bin --version failed"
	[[ $out == "relaystudio $version"* ]] || fail "$bin says '$out'"
	grep -q '^built with FFmpeg 5\.1\.[0-9]* and x264 (GPL)$' <<<"$out" || fail "$bin was not built with our own FFmpeg: '$out'"
	linked=$(ldd "$bin") || fail "ldd $bin failed"
	if grep -Eq "$ffmpeg_libs" <<<"$linked"; then
		fail "$bin links FFmpeg or x264 shared libraries: $(grep -E "$ffmpeg_libs" <<<"$linked" | tr -s ' \t' ' ')"
	fi
	glibc=$(objdump -T "$bin" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n1)
	[[ $(printf '%s\n' "$glibc" 2.36 | sort -V | tail -n1) == 2.36 ]] || fail "$bin needs glibc $glibc, newer than Debian 12's 2.36"
}

[[ $(dpkg-deb -f "$deb" Package) == relaystudio ]] || fail "package name is not relaystudio"
[[ $(dpkg-deb -f "$deb" Version) == "$version" ]] || fail "version is not $version"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libc6 libgl1 libx11-6; do
	grep -qw "$lib" <<<"$depends" || fail "Depends lacks $lib: $depends"
done
# FFmpeg and x264 are inside the binary: the package must not pull them in.
if grep -Eq "$ffmpeg_libs" <<<"$depends"; then
	fail "Depends names FFmpeg or x264 libraries, which are linked in: $depends"
fi
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
for f in copyright SOURCES FFmpeg-COPYING.GPLv2 FFmpeg-LICENSE.md x264-COPYING NotoSansCJK-LICENSE-OFL.txt; do
	[[ -s $root/usr/share/doc/relaystudio/$f ]] || fail "no /usr/share/doc/relaystudio/$f"
done
check_binary "$root/usr/bin/relaystudio"
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
	# postinst makes the service's user and its state folder (and enables nothing).
	getent passwd relaystudio >/dev/null || fail "installing made no relaystudio user for relaystudio.service"
	[[ -d /var/lib/relaystudio && $(stat -c %U /var/lib/relaystudio) == relaystudio ]] ||
		fail "installing left /var/lib/relaystudio missing or not owned by relaystudio"
	DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq relaystudio >/dev/null || fail "apt-get remove relaystudio failed"
	for f in /usr/bin/relaystudio /usr/share/applications/io.github.relaystudio.RelayStudio.desktop \
		/usr/share/icons/hicolor/512x512/apps/io.github.relaystudio.RelayStudio.png /usr/share/man/man1/relaystudio.1.gz \
		/usr/lib/systemd/system/relaystudio.service /usr/lib/systemd/user/relaystudio.service; do
		[[ ! -e $f ]] || fail "$f is left behind after apt-get remove"
	done
	echo "package check: installed with apt-get, ran, removed cleanly"
else
	echo "package check: install and remove not tried (needs root and no relaystudio installed)"
fi

# The portable tarball: one folder that runs where it is extracted, with
# a Makefile that installs it for one user and removes it again.
name=relaystudio-${version}-linux-amd64
listing=$(tar -tJf "$tarball")
for f in relaystudio Makefile README share/applications/io.github.relaystudio.RelayStudio.desktop \
	share/icons/hicolor/512x512/apps/io.github.relaystudio.RelayStudio.png share/man/man1/relaystudio.1.gz \
	share/doc/relaystudio/copyright share/doc/relaystudio/SOURCES share/doc/relaystudio/x264-COPYING; do
	grep -qxF "$name/$f" <<<"$listing" || fail "tarball has no $name/$f"
done
tardir=$(mktemp -d)
trap 'rm -rf "$root" "$tardir"' EXIT
tar -xJf "$tarball" -C "$tardir"
check_binary "$tardir/$name/relaystudio"
desktop-file-validate "$tardir/$name/share/applications/io.github.relaystudio.RelayStudio.desktop"
home=$tardir/home
mkdir -p "$home"
HOME=$home make -s -C "$tardir/$name" user-install >/dev/null || fail "make user-install failed"
installed=$home/.local/share/applications/io.github.relaystudio.RelayStudio.desktop
[[ -x $home/.local/bin/relaystudio ]] || fail "make user-install put no binary in ~/.local/bin"
grep -qxF "Exec=$home/.local/bin/relaystudio" "$installed" || fail "the user-installed desktop entry does not run ~/.local/bin/relaystudio"
desktop-file-validate "$installed"
HOME=$home make -s -C "$tardir/$name" user-uninstall >/dev/null || fail "make user-uninstall failed"
left=$(find "$home" -type f ! -name mimeinfo.cache)
[[ -z $left ]] || fail "make user-uninstall left files behind: $left"

# check_units ROOT: the headless services in the unpacked .deb at ROOT
# (assets/linux/systemd/): the system and user units, the sysusers.d file
# for the relaystudio user and the maintainer scripts are there, and
# `systemd-analyze verify` has nothing to say about either unit. verify
# exits 0 on an unknown key or a value it cannot parse and only prints
# them, so any output fails. It wants ExecStart's binary and the units
# ours depend on: --root makes it read ROOT, which has the binary but no
# targets, so the machine's are copied in beside ours (it checks what they
# bring in one level deep, --recursive-errors=one). It runs `man` on the
# machine for Documentation=man:relaystudio(1): MANPATH points it at the
# package's page (without man-db that check is off; the page is checked
# above). systemd 252 refuses --root with --user: the user unit is
# verified from a copy whose ExecStart names ROOT's binary.
check_units() {
	local root=$1 f out units user_unit man=--man=no stack
	for f in usr/lib/systemd/system/relaystudio.service usr/lib/systemd/user/relaystudio.service \
		usr/lib/sysusers.d/relaystudio.conf usr/bin/relaystudio; do
		[[ -f $root/$f ]] || fail "the .deb has no /$f"
	done
	if [[ -n ${deb:-} ]]; then
		for f in postinst prerm postrm; do
			out=$(dpkg-deb -I "$deb" "$f") || fail "the .deb has no $f script"
			sh -n <<<"$out" || fail "the .deb's $f is not valid sh"
		done
	fi
	command -v systemd-analyze >/dev/null || fail "systemd-analyze is missing: run make deps-package"
	command -v man >/dev/null && man=--man=yes
	units=/lib/systemd/system
	[[ -f $units/multi-user.target ]] || fail "no $units/multi-user.target on this machine for systemd-analyze verify"
	find "$units" -mindepth 1 -maxdepth 1 ! -name relaystudio.service -exec cp -a -t "$root/usr/lib/systemd/system/" {} +
	out=$(MANPATH=$root/usr/share/man systemd-analyze verify --root="$root" "$man" --recursive-errors=one \
		/usr/lib/systemd/system/relaystudio.service 2>&1) && [[ -z $out ]] ||
		fail "systemd-analyze verify relaystudio.service (system): ${out:-it failed}"
	user_unit=$(mktemp -d)
	mkdir "$user_unit/run"
	sed "s|/usr/bin/relaystudio|$root/usr/bin/relaystudio|g" "$root/usr/lib/systemd/user/relaystudio.service" >"$user_unit/relaystudio.service"
	out=$(XDG_RUNTIME_DIR=$user_unit/run MANPATH=$root/usr/share/man systemd-analyze --user verify "$man" --recursive-errors=one \
		"$user_unit/relaystudio.service" 2>&1) && [[ -z $out ]] ||
		{ rm -rf "$user_unit"; fail "systemd-analyze --user verify relaystudio.service (user): ${out:-it failed}"; }
	rm -rf "$user_unit"
	# The user the system unit runs as: what systemd-sysusers would make in
	# ROOT, which has no /etc/passwd, so it must say it creates it.
	if command -v systemd-sysusers >/dev/null; then
		out=$(systemd-sysusers --dry-run --root="$root" relaystudio.conf 2>&1) ||
			fail "systemd-sysusers cannot read relaystudio.conf: $out"
		grep -q "user 'relaystudio'" <<<"$out" || fail "relaystudio.conf makes no relaystudio user: $out"
		! grep -q 'relaystudio\.conf:' <<<"$out" || fail "systemd-sysusers about relaystudio.conf: $out"
	fi
	# MemoryDenyWriteExecute= in the system unit stops a binary that wants an
	# executable stack from starting its threads: the stack must be RW.
	stack=$(readelf -lW "$root/usr/bin/relaystudio" | awk '$1 == "GNU_STACK" { print $7 }') ||
		fail "readelf -l cannot read the packaged binary"
	[[ $stack == RW ]] || fail "the binary's stack is '${stack:-executable (no GNU_STACK)}', not RW: relaystudio.service's MemoryDenyWriteExecute=yes would break it"
}
check_units "$root"
echo "package check: the system and user units pass systemd-analyze verify"
echo "package check: $deb and $tarball are fine (relaystudio $version)"
