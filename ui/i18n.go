package ui

import (
	"embed"
	"fmt"
	"slices"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/relaystudio/relaystudio/settings"
)

// The window's words live in translations/, one file per part and
// language (go-i18n JSON, loaded through Fyne's lang package):
//
//   - ui.LANG.json: what the window's own code shows. The key is the
//     English text (a text/template when it has values, such as
//     "{{.Count}} streams are live"); plural forms are objects with
//     "one" and "other" in English and "other" in Chinese.
//   - engine.LANG.json: the engine's log messages and the phrases of its
//     reasons and errors, which the window translates where it shows them
//     (see enginetext.go); the command line keeps them in English.
//   - fyne.LANG.json: the words Fyne's own dialogs use (Cancel, OK, the
//     file dialog), so that they follow the window's language too.
//
// i18n_test.go fails when a key is in one language and not the other,
// when code shows a literal without translating it, and when a key the
// code asks for is in neither file.
//
//go:embed translations
var translationFS embed.FS

var (
	// lookups guards Fyne's lang against useLanguage: go-i18n's bundle is
	// a plain map, and log records are worded (tr, engineText) on whatever
	// goroutine logs them while the window may switch language.
	lookups    sync.RWMutex
	languageMu sync.Mutex
	// languageInUse is the language the window speaks: "en" or "zh-CN".
	languageInUse = "en"
)

// Until the settings say otherwise, the window speaks the system's
// language (and no lang call finds its key missing).
func init() { useLanguage("") }

// systemLanguage is the window's language for the system's locale (Fyne
// reads LANGUAGE, LC_ALL, LC_MESSAGES and LANG, or Windows' user locale):
// Chinese for any zh locale (Simplified is what we have), else English.
func systemLanguage() string {
	if isChinese(string(lang.SystemLocale())) {
		return "zh-CN"
	}
	return "en"
}

func isChinese(locale string) bool {
	l := strings.ToLower(locale)
	return l == "zh" || strings.HasPrefix(l, "zh-") || strings.HasPrefix(l, "zh_")
}

// useLanguage makes choice ("en", "zh-CN", or "" for the system's) the
// language of every lang call from now on and returns the language in
// effect. Widgets built before keep their words: the Studio rebuilds
// them (see setLanguage).
//
// Fyne 2.7 has no way to pick a language other than the system's: it
// matches the system's locales against the languages it has translations
// for. So the chosen language's words are registered under the tags that
// matching can land on, the system locale's and "en" (where it lands when
// nothing matches, as under LANG=C), besides their own. Every key of ours
// is in every language (i18n_test.go), so each registration replaces all
// of the previous one's words.
func useLanguage(choice string) string {
	lookups.Lock()
	defer lookups.Unlock()
	languageMu.Lock()
	defer languageMu.Unlock()
	want := choice
	if !slices.Contains(settings.Languages, want) {
		want = systemLanguage()
	}
	files, err := translationFS.ReadDir("translations")
	if err != nil {
		fyne.LogError("no translations", err)
		return languageInUse
	}
	var data [][]byte
	for _, f := range files {
		if strings.HasSuffix(f.Name(), "."+want+".json") {
			b, err := translationFS.ReadFile("translations/" + f.Name())
			if err != nil {
				fyne.LogError("translations "+f.Name(), err)
				continue
			}
			data = append(data, b)
		}
	}
	tags := []fyne.Locale{fyne.Locale(want), "en"}
	if sys := lang.SystemLocale(); !slices.Contains(tags, sys) && len(sys) >= 2 {
		tags = append(tags, sys)
	}
	for _, tag := range tags {
		for _, b := range data {
			if err := lang.AddTranslationsForLocale(b, tag); err != nil {
				fyne.LogError("translations for "+string(tag), err)
			}
		}
	}
	languageInUse = want
	return want
}

// currentLanguage is the language the window speaks: "en" or "zh-CN".
func currentLanguage() string {
	languageMu.Lock()
	defer languageMu.Unlock()
	return languageInUse
}

// tr translates key (lang.L) with named values: tr("{{.N}} of {{.Of}}",
// "N", 1, "Of", 3).
func tr(key string, kv ...any) string {
	lookups.RLock()
	defer lookups.RUnlock()
	if len(kv) == 0 {
		return lang.L(key)
	}
	return lang.L(key, pairs(kv))
}

// trn translates key in the plural form for count (lang.N); the template
// gets count as .Count besides the named values.
func trn(key string, count int, kv ...any) string {
	lookups.RLock()
	defer lookups.RUnlock()
	data := pairs(kv)
	data["Count"] = count
	return lang.N(key, count, data)
}

func pairs(kv []any) map[string]any {
	data := make(map[string]any, len(kv)/2+1)
	for i := 0; i+1 < len(kv); i += 2 {
		data[fmt.Sprint(kv[i])] = kv[i+1]
	}
	return data
}

// languageNames are the language choices as each language names itself,
// after "System" (translated) for the system's.
var languageNames = map[string]string{"en": "English", "zh-CN": "简体中文"}
