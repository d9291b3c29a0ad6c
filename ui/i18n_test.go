package ui

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2/lang"
)

// translationFile reads translations/PART.LANG.json: each key's forms
// ("other" alone for a plain string).
func translationFile(t *testing.T, part, language string) map[string]map[string]string {
	t.Helper()
	b, err := translationFS.ReadFile("translations/" + part + "." + language + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatalf("%s.%s.json: %v", part, language, err)
	}
	out := make(map[string]map[string]string, len(raw))
	for k, v := range raw {
		var s string
		if json.Unmarshal(v, &s) == nil {
			out[k] = map[string]string{"other": s}
			continue
		}
		var forms map[string]string
		if err := json.Unmarshal(v, &forms); err != nil {
			t.Fatalf("%s.%s.json: %q is neither a string nor plural forms", part, language, k)
		}
		out[k] = forms
	}
	return out
}

var templateField = regexp.MustCompile(`\{\{\s*\.(\w+)`)

func templateFields(s string) []string {
	var out []string
	for _, m := range templateField.FindAllStringSubmatch(s, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	slices.Sort(out)
	return out
}

// translationParts are the PART of every translations/PART.en.json.
func translationParts(t *testing.T) []string {
	files, err := translationFS.ReadDir("translations")
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, f := range files {
		if p, ok := strings.CutSuffix(f.Name(), ".en.json"); ok {
			parts = append(parts, p)
		}
	}
	return parts
}

// TestTranslationsComplete: every key is in both languages, with the
// plural forms each language needs and the same template values.
func TestTranslationsComplete(t *testing.T) {
	for _, part := range translationParts(t) {
		en, zh := translationFile(t, part, "en"), translationFile(t, part, "zh-CN")
		if len(en) == 0 {
			t.Errorf("%s.en.json is empty", part)
		}
		for k, forms := range en {
			zf, ok := zh[k]
			if !ok {
				t.Errorf("%s: %q has no Chinese (zh-CN)", part, k)
				continue
			}
			plural := len(forms) > 1 || forms["one"] != ""
			if plural && (forms["one"] == "" || forms["other"] == "") {
				t.Errorf("%s: English %q needs both \"one\" and \"other\"", part, k)
			}
			if zf["other"] == "" {
				t.Errorf("%s: Chinese %q has no \"other\" form", part, k)
			}
			want := templateFields(k)
			if plural { // a count may appear in some forms only
				want = slices.DeleteFunc(want, func(f string) bool { return f == "Count" })
			}
			for form, s := range forms {
				got := templateFields(s)
				if plural {
					got = slices.DeleteFunc(got, func(f string) bool { return f == "Count" })
				}
				if !slices.Equal(got, want) && !(form == "one" && len(got) < len(want)) {
					t.Errorf("%s: English %q (%s) has values %v, the key has %v", part, k, form, got, want)
				}
			}
			for form, s := range zf {
				if got := templateFields(s); !slices.Equal(got, want) && !slices.Equal(got, templateFields(forms["other"])) {
					t.Errorf("%s: Chinese %q (%s) has values %v, want %v", part, k, form, got, want)
				}
				if part != "fyne" && s == forms["other"] && hasWord(s) && !untranslatable(s) {
					t.Errorf("%s: Chinese %q is the English text", part, k)
				}
			}
		}
		for k := range zh {
			if _, ok := en[k]; !ok {
				t.Errorf("%s: %q is in Chinese (zh-CN) but not in English", part, k)
			}
		}
	}
}

// untranslatable are texts the same in both languages: names and units.
func untranslatable(s string) bool {
	for _, w := range wordRE.FindAllString(s, -1) {
		if !technicalWord(w) {
			return false
		}
	}
	return true
}

var wordRE = regexp.MustCompile(`[A-Za-z][A-Za-z']+`)

func hasWord(s string) bool { return wordRE.MatchString(templateField.ReplaceAllString(s, "")) }

// technicalWords stay as they are in Chinese text: protocols, codecs,
// units, product and platform names.
var technicalWords = []string{
	"Relay", "Studio", "RTMP", "RTMPS", "RTSP", "HLS", "URL", "API", "TLS", "TCP", "UDP", "HTTP", "HTTPS",
	"H", "AAC", "AVC", "HEVC", "x", "kb", "Mb", "KB", "MB", "GB", "fps", "ms", "dB", "CPU", "GPU", "ONVIF", "JPEG", "PNG",
	"MP", "OK", "kbps", "ID", "IP", "LAN", "GOP", "SDP", "FLV", "TOML", "JSON", "Prometheus", "Grafana", "Wi", "Fi",
	"YouTube", "Twitch", "Facebook", "Bilibili", "Douyin", "Huya", "Kuaishou", "WeChat", "Channels", "OBS",
	"rtmp", "rtmps", "rtsp", "http", "https", "user", "password", "host", "path", "APP", "key", "auto", "tcp", "udp",
	"ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "copy", "h264",
	"baseline", "main", "high", "aac", "opus", "pcm", "Hz", "ch", "Ctrl", "Shift", "Esc", "Enter", "Space", "Wine", "Windows", "Linux", "NAME", "ADDR",
	"dev", "FFmpeg", "ffmpeg", "RTP", "RTCP", "GPL", "LGPL", "GNU", "General", "Public", "License", "or", "later",
	"Go", "BSD", "Clause", "MIT", "Apache", "licenses", "Fyne", "gortsplib", "go", "pion", "video", "audio", "I",
	"Debian", "Noto", "Sans", "CJK", "SC", "SIL", "Open", "Font", "OFL",
}

func technicalWord(w string) bool { return slices.Contains(technicalWords, w) }

// shownCalls are functions and methods whose string arguments people
// read: a literal among them must go through lang (tr, trn, lang.L …).
var shownCalls = []string{
	"NewLabel", "NewLabelWithStyle", "NewButton", "NewButtonWithIcon", "NewCheck", "NewHyperlink",
	"NewFormItem", "NewMenuItem", "NewMenu", "SetText", "SetPlaceHolder", "NewText", "NewTabItem",
	"NewTabItemWithIcon", "NewAccordionItem", "NewConfirm", "NewInformation", "ShowInformation",
	"ShowConfirm", "NewCustom", "NewCustomConfirm", "NewCustomWithoutButtons", "NewRichTextWithText",
	"NewRichTextFromMarkdown", "NewWindow", "SetTitle", "SetConfirmText", "SetDismissText", "NewSelect",
	"NewRadioGroup", "NewSelectEntry", "ask", "showCustom", "New", "Errorf", "SetToolTip", "AppendMarkdown", "Sprintf",
}

// shownFields are struct fields and assignments people read.
var shownFields = []string{"Text", "PlaceHolder", "Label", "Title", "Placeholder", "Hint", "HintText"}

// TestNoUntranslatedText fails when the window's code hands people a
// literal with words in it without passing it through lang.
func TestNoUntranslatedText(t *testing.T) {
	fset := token.NewFileSet()
	files, _ := filepath.Glob("*.go")
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		report := func(lit *ast.BasicLit, where string) {
			s, _ := strconv.Unquote(lit.Value)
			if hasWord(s) && !untranslatable(s) {
				t.Errorf("%s: %s %s is shown without lang: use tr(…)", fset.Position(lit.Pos()), where, lit.Value)
			}
		}
		var walkShown func(e ast.Expr, where string)
		walkShown = func(e ast.Expr, where string) {
			switch e := e.(type) {
			case *ast.BasicLit:
				if e.Kind == token.STRING {
					report(e, where)
				}
			case *ast.BinaryExpr:
				walkShown(e.X, where)
				walkShown(e.Y, where)
			case *ast.CompositeLit:
				for _, el := range e.Elts {
					walkShown(el, where)
				}
			case *ast.CallExpr:
				if translateCall(e) {
					return
				}
				if fn := callName(e); fn == "Sprintf" || fn == "Sprint" || fn == "Join" {
					for _, a := range e.Args {
						walkShown(a, where)
					}
				}
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if translateCall(n) {
					return false
				}
				fn := callName(n)
				if fn == "Sprintf" || !slices.Contains(shownCalls, fn) {
					return true
				}
				for _, a := range n.Args {
					walkShown(a, fn+"(…)")
				}
			case *ast.AssignStmt:
				for i, l := range n.Lhs {
					if sel, ok := l.(*ast.SelectorExpr); ok && slices.Contains(shownFields, sel.Sel.Name) && i < len(n.Rhs) {
						walkShown(n.Rhs[i], "."+sel.Sel.Name+" =")
					}
				}
			case *ast.KeyValueExpr:
				if id, ok := n.Key.(*ast.Ident); ok && slices.Contains(shownFields, id.Name) {
					walkShown(n.Value, id.Name+":")
				}
			}
			return true
		})
	}
}

func callName(c *ast.CallExpr) string {
	switch fn := c.Fun.(type) {
	case *ast.Ident:
		return fn.Name
	case *ast.SelectorExpr:
		return fn.Sel.Name
	}
	return ""
}

// translateCall: tr, trn, and lang's own functions.
func translateCall(c *ast.CallExpr) bool {
	switch fn := c.Fun.(type) {
	case *ast.Ident:
		return fn.Name == "tr" || fn.Name == "trn" || fn.Name == "engineText"
	case *ast.SelectorExpr:
		if x, ok := fn.X.(*ast.Ident); ok && x.Name == "lang" {
			return true
		}
	}
	return false
}

// TestTranslationKeysUsed: every key the code asks for is in ui.en.json,
// and every key there is asked for.
func TestTranslationKeysUsed(t *testing.T) {
	en := map[string]map[string]string{}
	for _, part := range translationParts(t) {
		if strings.HasPrefix(part, "ui") {
			maps.Copy(en, translationFile(t, part, "en"))
		}
	}
	used := map[string]bool{}
	fset := token.NewFileSet()
	files, _ := filepath.Glob("*.go")
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || name == "i18n.go" || name == "enginetext.go" {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			c, ok := n.(*ast.CallExpr)
			if !ok || !translateCall(c) || !slices.Contains([]string{"tr", "trn", "L", "X", "N", "XN"}, callName(c)) || len(c.Args) == 0 {
				return true
			}
			lit, ok := c.Args[0].(*ast.BasicLit)
			if !ok {
				t.Errorf("%s: %s's key is not a literal: the tests cannot check it", fset.Position(c.Pos()), callName(c))
				return true
			}
			key, _ := strconv.Unquote(lit.Value)
			used[key] = true
			forms, ok := en[key]
			switch {
			case !ok:
				t.Errorf("%s: %q is not in translations/ui.en.json", fset.Position(lit.Pos()), key)
			case callName(c) == "trn" && forms["one"] == "":
				t.Errorf("%s: %q is counted (trn) but has no plural forms", fset.Position(lit.Pos()), key)
			}
			return true
		})
	}
	for k := range en {
		if !used[k] {
			t.Errorf("ui.en.json: %q is not used by the code", k)
		}
	}
}

// TestLanguageChoice: the system's locale picks the language, and the
// window's choice overrides it either way; Fyne's own words follow.
func TestLanguageChoice(t *testing.T) {
	t.Cleanup(func() { useLanguage("en") })
	for _, c := range []struct {
		env, choice, want string
	}{
		{"en_US.UTF-8", "", "en"},
		{"zh_CN.UTF-8", "", "zh-CN"},
		{"zh_CN.UTF-8", "en", "en"},
		{"en_US.UTF-8", "zh-CN", "zh-CN"},
		{"C", "zh-CN", "zh-CN"},
		{"C", "", "en"},
		{"en_US.UTF-8", "", "en"},
	} {
		t.Setenv("LANGUAGE", "")
		t.Setenv("LC_ALL", "")
		t.Setenv("LC_MESSAGES", "")
		t.Setenv("LANG", c.env)
		if got := useLanguage(c.choice); got != c.want {
			t.Errorf("LANG=%s, choice %q: language %s, want %s", c.env, c.choice, got, c.want)
		}
		cancel, start := lang.L("Cancel"), tr("Start all")
		if c.want == "zh-CN" && (cancel != "取消" || start == "Start all") || c.want == "en" && (cancel != "Cancel" || start != "Start all") {
			t.Errorf("LANG=%s, choice %q: Cancel is %q and Start %q", c.env, c.choice, cancel, start)
		}
	}
}

// TestLanguageSwitchWhileLogging: engine goroutines word their log records
// while the window switches language (run with -race).
func TestLanguageSwitchWhileLogging(t *testing.T) {
	t.Cleanup(func() { useLanguage("en") })
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 200 {
			sentence(slog.LevelWarn, "destination failed", []slog.Attr{slog.String("reason", "retrying in 4s: connection refused")})
			trn("{{.Count}} stream is live. Quitting stops it.", 2)
		}
	}()
	for i := range 20 {
		useLanguage([]string{"zh-CN", "en"}[i%2])
	}
	<-done
}
