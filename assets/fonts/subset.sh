#!/bin/sh
# Makes the window's Chinese font: the Simplified Chinese faces of Noto Sans
# CJK (SIL Open Font License 1.1, Debian's fonts-noto-cjk), cut down to the
# characters the window needs, so that Chinese renders on a computer with no
# CJK font at all (Fyne's own font has none; see ui/theme.go). `make fonts`
# runs it after the translations change; ui's TestChineseFontCoverage fails
# until it has.
#
# The subset holds every character of the Chinese translations, ASCII,
# Latin-1, the punctuation both languages use, and the 6763 hanzi of
# GB 2312, so that Chinese camera, stream and destination names render too
# (in bold as well: cards name destinations in bold). Anything else falls
# back to the system's fonts.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
src=${NOTO_CJK_DIR:-/usr/share/fonts/opentype/noto}
py=/usr/bin/python3 # Debian's, which has fontTools (package fonttools)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$py" - "$root/ui/translations" "$tmp" <<'PY'
import glob, json, os, sys
tr, out = sys.argv[1], sys.argv[2]
chars = set(chr(c) for c in range(0x20, 0x7f)) | set(chr(c) for c in range(0xa0, 0x100))
chars |= set("–—‘’“”…•·›‹→←↑↓×÷°±µ√∞≤≥≠™©®§¶€£¥")
chars |= set(chr(c) for c in range(0x3000, 0x3040))   # CJK symbols and punctuation
chars |= set(chr(c) for c in range(0xff01, 0xff5f))   # full-width forms
def strings(v):
    if isinstance(v, str):
        yield v
    elif isinstance(v, dict):
        for x in v.values():
            yield from strings(x)
for f in sorted(glob.glob(os.path.join(tr, "*.zh-CN.json"))):
    for s in strings(json.load(open(f, encoding="utf-8"))):
        chars |= set(s)
common = set()
for hi in range(0xb0, 0xf8):
    for lo in range(0xa1, 0xff):
        try:
            c = bytes([hi, lo]).decode("gb2312")
        except UnicodeDecodeError:
            continue
        common.add(c)
chars.discard("\n")
open(os.path.join(out, "Bold.txt"), "w", encoding="utf-8").write("".join(sorted(chars | common)))
open(os.path.join(out, "Regular.txt"), "w", encoding="utf-8").write("".join(sorted(chars | common)))
PY

for w in Regular Bold; do
	# SOURCE_DATE_EPOCH fixes the fonts' timestamps: the same input makes
	# the same bytes. Font 2 of the collection is Simplified Chinese.
	SOURCE_DATE_EPOCH=1640995200 "$py" -m fontTools.subset "$src/NotoSansCJK-$w.ttc" --font-number=2 \
		--text-file="$tmp/$w.txt" --output-file="$here/NotoSansSC-$w.otf" \
		--no-hinting --name-IDs='0,1,2,3,4,5,6,13,14' --name-languages=0x409
done
ls -l "$here"/NotoSansSC-*.otf
