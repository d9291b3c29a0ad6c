package ui

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/relaystudio/relaystudio/settings"
)

// visibleTexts is every text drawn under o: canvas texts, and the
// placeholders and contents of entries.
func visibleTexts(o fyne.CanvasObject, out *[]string) {
	if o == nil || !o.Visible() {
		return
	}
	switch o := o.(type) {
	case *canvas.Text:
		*out = append(*out, o.Text)
		return
	case *widget.Entry:
		*out = append(*out, o.PlaceHolder)
	case *fyne.Container:
		for _, c := range o.Objects {
			visibleTexts(c, out)
		}
		return
	}
	if w, ok := o.(fyne.Widget); ok {
		for _, c := range test.WidgetRenderer(w).Objects() {
			visibleTexts(c, out)
		}
	}
}

func menuTexts(m *fyne.Menu, out *[]string) {
	*out = append(*out, m.Label)
	for _, it := range m.Items {
		*out = append(*out, it.Label)
		if it.ChildMenu != nil {
			menuTexts(it.ChildMenu, out)
		}
	}
}

// TestWholeWindowInChinese opens the window in Chinese with a stream
// previewing and each dialog in turn, and fails on any English word it
// draws that is not a name, a value or a technical term.
func TestWholeWindowInChinese(t *testing.T) {
	cfg := settings.Default()
	cfg.Studio.Language = "zh-CN"
	st := settings.NewStream("院子", settings.TestPatternSource)
	st.Destinations = []settings.Destination{settings.NewDestination("哔哩哔哩", "rtmp://live-push.bilivideo.com/live-bvc/", "?streamname=live_1_2&key=k")}
	cfg.Streams = []settings.Stream{st}
	t.Cleanup(func() { useLanguage("en") }) // after the studio has closed
	h := newHarness(t, cfg)
	data := []string{"院子", "哔哩哔哩", "Relay Studio", "English", "rtmp://live-push.bilivideo.com/live-bvc/"}
	check := func(what string, texts []string) {
		t.Helper()
		for _, s := range texts {
			if slices.Contains(data, s) {
				continue
			}
			for _, w := range wordRE.FindAllString(numbersAndURLs.ReplaceAllString(s, ""), -1) {
				if !technicalWord(w) {
					t.Errorf("%s: %q is drawn in English (%q)", what, s, w)
					break
				}
			}
		}
	}
	h.waitFor("the preview", 10*time.Second, func() bool { return h.s.preview != nil })
	time.Sleep(time.Second)
	var texts []string
	h.ui(func() {
		visibleTexts(h.s.win.Content(), &texts)
		for _, m := range h.s.win.MainMenu().Items {
			menuTexts(m, &texts)
		}
	})
	check("the window", texts)
	for _, d := range []struct {
		name string
		open func()
	}{
		{"the camera form", func() { h.s.showCameraForm(-1) }},
		{"the destination form", func() { h.s.showDestForm(-1) }},
		{"Remote control", h.s.showRemote},
		{"About", h.s.showAbout},
	} {
		texts = nil
		h.ui(func() {
			d.open()
			for _, o := range h.s.win.Canvas().Overlays().List() {
				visibleTexts(o, &texts)
			}
			for h.s.win.Canvas().Overlays().Top() != nil {
				h.s.win.Canvas().Overlays().Remove(h.s.win.Canvas().Overlays().Top())
			}
		})
		if len(texts) == 0 {
			t.Errorf("%s: nothing drawn", d.name)
		}
		check(d.name, texts)
	}
	if !strings.Contains(strings.Join(texts, " "), "Relay Studio") {
		t.Logf("About: %q", texts)
	}
}

var numbersAndURLs = regexp.MustCompile(`[a-z]+://\S*|[a-z_]+(\[\d+\])?(\.[a-z_]+(\[\d+\])?)+|/[\w/.-]+|[\w.-]+\.(com|tv|net|org)\S*|\{\{[^}]*\}\}|\d[\d.,:x×]*[A-Za-z]*`)
