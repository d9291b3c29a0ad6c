package ui

import (
	"sync/atomic"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/relaystudio/relaystudio/assets"
	"github.com/relaystudio/relaystudio/settings"
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
// Fyne's font and then the system's for what the subset lacks. In
// English too when a stream or destination is named in Chinese (hanNames):
// else, on a computer without a CJK font, those names would be boxes.
type studioTheme struct{ fyne.Theme }

// hanNames is set while the settings name a stream or destination with
// Chinese characters.
var hanNames atomic.Bool

func namesHaveHan(c *settings.Config) bool {
	for _, st := range c.Streams {
		if hasHan(st.Name) {
			return true
		}
		for _, d := range st.Destinations {
			if hasHan(d.Name) {
				return true
			}
		}
	}
	return false
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// fontForNames switches the font when the first name in Chinese arrives
// or the last one goes.
func (s *Studio) fontForNames() {
	if han := namesHaveHan(s.cfg); hanNames.Swap(han) != han {
		s.reapplyTheme()
	}
}

// reapplyTheme has Fyne redraw every widget with the theme's fonts as they
// are now. It runs through s.do, after the current callback: Fyne applies
// a theme on its own goroutine (the test driver's runs it on a new one
// when asked from the test's, racing the test's reads of widgets).
func (s *Studio) reapplyTheme() {
	s.do(func() { s.app.Settings().SetTheme(newStudioTheme()) })
}

func newStudioTheme() fyne.Theme { return studioTheme{theme.DefaultTheme()} }

func (t studioTheme) Font(s fyne.TextStyle) fyne.Resource {
	if s.Symbol || currentLanguage() != "zh-CN" && !hanNames.Load() {
		return t.Theme.Font(s)
	}
	if s.Bold {
		return assets.ChineseFontBold
	}
	return assets.ChineseFont
}
