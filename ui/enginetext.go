package ui

import (
	"cmp"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
)

// The engine (media/), studio/ and settings/ word their log messages,
// states, reasons and errors in English, for the terminal, the API and
// the log files, and the command line keeps them so. The window shows
// them in its own language: engineText finds the English phrase in
// translations/engine.en.json, where a phrase with values is a template
// ("retrying in {{.S}}s: {{.Why}}"), and returns the translation, with
// each value translated in turn (the Why of a retry is a phrase too).
// Lists joined with "; " and "who: what" chains are taken apart first.
// Text that matches nothing (a server's own words, a path) is left as it
// is, so nothing is lost.

// enginePhrase is one template of engine.en.json, as a pattern.
type enginePhrase struct {
	key     string
	re      *regexp.Regexp
	fields  []string
	literal int // characters outside the values: longer patterns are tried first
}

var engineTexts = sync.OnceValue(func() (t struct {
	exact   map[string]bool
	phrases []enginePhrase
}) {
	t.exact = map[string]bool{}
	b, err := translationFS.ReadFile("translations/engine.en.json")
	var keys map[string]json.RawMessage
	if err == nil {
		err = json.Unmarshal(b, &keys)
	}
	if err != nil {
		fyne.LogError("engine translations", err)
		return t
	}
	for key := range keys {
		if !strings.Contains(key, "{{") {
			t.exact[key] = true
			continue
		}
		p := enginePhrase{key: key}
		var re strings.Builder
		re.WriteString("^")
		rest := key
		for {
			loc := templateValue.FindStringSubmatchIndex(rest)
			if loc == nil {
				break
			}
			re.WriteString(regexp.QuoteMeta(rest[:loc[0]]))
			p.literal += len(rest[:loc[0]])
			p.fields = append(p.fields, rest[loc[2]:loc[3]])
			re.WriteString("(.+?)")
			rest = rest[loc[1]:]
		}
		re.WriteString(regexp.QuoteMeta(rest) + "$")
		p.literal += len(rest)
		p.re = regexp.MustCompile(re.String())
		t.phrases = append(t.phrases, p)
	}
	slices.SortFunc(t.phrases, func(a, b enginePhrase) int {
		return cmp.Or(b.literal-a.literal, strings.Compare(a.key, b.key))
	})
	return t
})

// localize is lang.L under the lookups lock (see useLanguage).
func localize(key string, data map[string]any) string {
	lookups.RLock()
	defer lookups.RUnlock()
	if data == nil {
		return lang.L(key)
	}
	return lang.L(key, data)
}

var templateValue = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

// engineText is s, English text from the engine, settings or studio, in
// the window's language.
func engineText(s string) string {
	if s == "" || currentLanguage() == "en" {
		return s
	}
	return translateEngine(s, 0)
}

func translateEngine(s string, depth int) string {
	t := engineTexts()
	if depth > 6 || strings.TrimSpace(s) == "" {
		return s
	}
	if t.exact[s] {
		return localize(s, nil)
	}
	for _, p := range t.phrases {
		m := p.re.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		data := make(map[string]any, len(p.fields))
		for i, f := range p.fields {
			data[f] = translateEngine(m[i+1], depth+1)
		}
		return localize(p.key, data)
	}
	if parts := strings.Split(s, "; "); len(parts) > 1 {
		for i, part := range parts {
			parts[i] = translateEngine(part, depth+1)
		}
		return strings.Join(parts, tr("; "))
	}
	// "Yard: connection refused", "YouTube: retrying in 4s: …": who,
	// then what happened to them.
	if who, what, ok := strings.Cut(s, ": "); ok {
		return translateEngine(who, depth+1) + tr(": ") + translateEngine(what, depth+1)
	}
	return s
}
