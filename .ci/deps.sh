#!/usr/bin/env bash
# Installs, with apt-get, exactly the Debian packages named on the command
# line that are not installed yet; does nothing (quickly) when all are.
# Used by `make deps`.
set -euo pipefail

if (($# == 0)); then
	echo "usage: $0 PACKAGE..." >&2
	exit 2
fi
if ! command -v dpkg-query >/dev/null; then
	echo "make deps: this is not a Debian/Ubuntu system; install the equivalents of: $*" >&2
	exit 1
fi

# One dpkg-query for all packages keeps the ready-machine case well under a
# second. Unknown packages only print to stderr, so ignore its exit status.
status=$(dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null || true)
missing=()
for p in "$@"; do
	grep -qxF "$p install ok installed" <<<"$status" || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

install=(apt-get install -y --no-install-recommends "${missing[@]}")
if ((EUID == 0)); then
	sudo=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
	sudo=(sudo)
else
	echo "make deps: these packages are missing: ${missing[*]}" >&2
	echo "Install them, then run make again:" >&2
	echo "    sudo apt-get update && sudo apt-get install --no-install-recommends ${missing[*]}" >&2
	exit 1
fi
echo "make deps: installing ${missing[*]}" >&2
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive "${install[@]}"
