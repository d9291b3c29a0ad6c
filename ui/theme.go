package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/relaystudio/relaystudio/assets"
)

// studioTheme is Fyne's theme with the window's Chinese font while the
// window speaks Chinese.
//
// Fyne 2.7's own fonts (Noto Sans, DejaVu Sans Mono) have no CJK glyphs.
// For a character its fonts lack, Fyne asks go-text's fontscan for a
// system font that has it (internal/painter/font.go: lookupRuneFont, with
// the fonts of /usr/share/fonts, ~/.local/share/fonts … on Linux and
// C:\Windows\Fonts on Windows), and draws the missing-glyph box when none
// has. Windows ships Chinese fonts (Microsoft YaHei), but many Linux
// installs do not, so in Chinese the window draws with its own subset of
// Noto Sans CJK SC (assets/fonts), which covers every character of the
// translations; text from elsewhere (names, URLs) still falls back to
// Fyne's font and then the system's for what the subset lacks.
type studioTheme struct{ fyne.Theme }

func newStudioTheme() fyne.Theme { return studioTheme{theme.DefaultTheme()} }

func (t studioTheme) Font(s fyne.TextStyle) fyne.Resource {
	if s.Symbol || currentLanguage() != "zh-CN" {
		return t.Theme.Font(s)
	}
	if s.Bold {
		return assets.ChineseFontBold
	}
	return assets.ChineseFont
}
