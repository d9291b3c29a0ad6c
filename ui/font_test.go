package ui

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"github.com/go-text/typesetting/font"

	"github.com/relaystudio/relaystudio/assets"
	"github.com/relaystudio/relaystudio/settings"
)

// TestChineseFontCoverage fails when a Chinese translation has a character
// the window's Chinese font lacks: it would draw as a missing-glyph box on
// a computer without a CJK font. `make fonts` cuts the font again.
func TestChineseFontCoverage(t *testing.T) {
	for _, res := range []fyne.Resource{assets.ChineseFont, assets.ChineseFontBold} {
		face, err := font.ParseTTF(bytes.NewReader(res.Content()))
		if err != nil {
			t.Fatalf("%s: %v", res.Name(), err)
		}
		missing := map[rune]string{}
		for _, part := range translationParts(t) {
			for key, forms := range translationFile(t, part, "zh-CN") {
				for _, s := range forms {
					for _, r := range s {
						if r < ' ' {
							continue
						}
						if _, ok := face.NominalGlyph(r); !ok {
							missing[r] = part + ": " + key
						}
					}
				}
			}
		}
		if len(missing) > 0 {
			var b strings.Builder
			for r, where := range missing {
				fmt.Fprintf(&b, " %q (U+%04X, in %q)", r, r, where)
			}
			t.Errorf("%s lacks %d characters the Chinese translations use; run `make fonts`:%s", res.Name(), len(missing), b.String())
		}
	}
}

// TestChineseThemeFont: in Chinese every text style but symbols draws with
// the bundled font; in English with Fyne's own.
func TestChineseThemeFont(t *testing.T) {
	t.Cleanup(func() { useLanguage("en"); hanNames.Store(false) })
	hanNames.Store(false)
	th := newStudioTheme()
	useLanguage("zh-CN")
	for _, st := range []fyne.TextStyle{{}, {Bold: true}, {Italic: true}, {Monospace: true}, {Bold: true, Italic: true}} {
		want := assets.ChineseFont
		if st.Bold {
			want = assets.ChineseFontBold
		}
		if got := th.Font(st); got != want {
			t.Errorf("Chinese, %+v: font %s, want %s", st, got.Name(), want.Name())
		}
	}
	useLanguage("en")
	if got := th.Font(fyne.TextStyle{}); got != theme.DefaultTheme().Font(fyne.TextStyle{}) {
		t.Errorf("English: font %s, want Fyne's", got.Name())
	}
	// English, with a camera named in Chinese: its name must not be boxes.
	hanNames.Store(true)
	defer hanNames.Store(false)
	if got := th.Font(fyne.TextStyle{}); got != assets.ChineseFont {
		t.Errorf("English with Chinese names: font %s, want %s", got.Name(), assets.ChineseFont.Name())
	}
}

// TestChineseNamesSwitchTheFont: naming a camera in Chinese in an
// English window switches to the font that has the characters.
func TestChineseNamesSwitchTheFont(t *testing.T) {
	h := newHarness(t, nil)
	t.Cleanup(func() { hanNames.Store(false) })
	h.ui(func() {
		if hanNames.Load() {
			t.Fatal("the default settings have Chinese names")
		}
		if err := h.s.commit(func(c *settings.Config) { c.Streams[0].Name = "院子" }); err != nil {
			t.Fatal(err)
		}
		if !hanNames.Load() || h.s.app.Settings().Theme().Font(fyne.TextStyle{}) != assets.ChineseFont {
			t.Error("a Chinese name did not switch the font")
		}
		if err := h.s.commit(func(c *settings.Config) { c.Streams[0].Name = "Yard" }); err != nil {
			t.Fatal(err)
		}
		if hanNames.Load() {
			t.Error("the font stayed after the last Chinese name went")
		}
	})
}
