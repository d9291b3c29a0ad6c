package settings

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"reflect"
	"regexp"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// migration upgrades the raw contents of a file by one schema version, in
// place.
type migration func(raw map[string]any) error

// migrations upgrade a file one version at a time: migrations[0] turns
// version 1 into version 2, migrations[1] version 2 into 3, and so on. A
// build applies those below the version it targets. Never modified at run
// time.
var migrations = []migration{
	migrateV1ToV2,
}

// migrateV1ToV2 is the first step of the migration path. Version 2 has no
// schema change yet, so it leaves the file as it is; it exists so that the
// path from version 1 is in place and tested before a real change needs it.
func migrateV1ToV2(raw map[string]any) error { return nil }

// schema is what one build reads and writes. Production code uses current();
// tests build a schema that targets a later version or simulates a crash.
type schema struct {
	version    int                                 // the version written and migrated to
	migrations []migration                         // see migrations
	rename     func(oldpath, newpath string) error // replaceFile
}

func current() schema {
	return schema{version: CurrentVersion, migrations: migrations, rename: replaceFile}
}

// Load reads the config at path: defaults, then the file, then validation.
// Unknown keys, wrong types, bad values, duplicate names, an empty file and
// a version newer than CurrentVersion are errors naming the line and key
// (see Problem). Older versions are migrated in memory; the file itself is
// never modified by Load. A missing file gives an error that matches
// fs.ErrNotExist.
func Load(path string) (*Config, error) { return current().load(path) }

// Check loads the config at path and reports what is wrong with it, without
// changing anything (for `relaystudio config check`).
func Check(path string) error {
	_, err := Load(path)
	return err
}

// LoadOrCreate loads the config at path, or, when there is no file yet,
// saves Default() there and returns it with created set.
func LoadOrCreate(path string) (cfg *Config, created bool, err error) {
	return current().loadOrCreate(path)
}

func (s schema) loadOrCreate(path string) (*Config, bool, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		c := Default()
		if err := s.save(c, path); err != nil {
			return nil, false, err
		}
		return c, true, nil
	}
	c, err := s.load(path)
	return c, false, err
}

func (s schema) load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		msg := "cannot read it: " + err.Error()
		var pe *fs.PathError
		if errors.As(err, &pe) {
			msg = "cannot read it: " + pe.Err.Error()
		}
		if errors.Is(err, fs.ErrNotExist) {
			msg = "no such file"
		}
		return nil, &Problem{File: path, Message: msg, err: err}
	}
	return s.parse(path, data)
}

// parse turns the contents of file into a valid Config.
func (s schema) parse(file string, data []byte) (*Config, error) {
	var raw map[string]any
	if err := toml.Unmarshal(data, &raw); err != nil {
		return nil, syntaxProblem(file, data, err)
	}
	keys := indexKeys(data)
	if len(raw) == 0 {
		return nil, &Problem{File: file, Line: 1, Message: "the file is empty: add `version = 1` and your streams, or delete it to start from defaults"}
	}
	o := &origin{file: file, keys: keys}
	version, err := s.fileVersion(o, raw)
	if err != nil {
		return nil, err
	}

	// Decode the file itself when no migration ran, so go-toml's positions
	// are the user's lines; otherwise decode the migrated map and translate
	// its positions back through the key paths.
	decodeData, decodeKeys := data, keys
	if version < s.version {
		for v := version; v < s.version; v++ {
			if v-1 >= len(s.migrations) {
				return nil, o.problem("version", fmt.Sprintf("no migration from version %d to %d in this build", v, v+1))
			}
			if err := s.migrations[v-1](raw); err != nil {
				return nil, o.problem("version", fmt.Sprintf("cannot upgrade from version %d: %v", v, err))
			}
		}
		raw["version"] = int64(s.version)
		if decodeData, err = toml.Marshal(raw); err != nil {
			return nil, o.problem("", fmt.Sprintf("cannot upgrade from version %d: %v", version, err))
		}
		decodeKeys = indexKeys(decodeData)
	}

	c := &Config{}
	dec := toml.NewDecoder(bytes.NewReader(decodeData))
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil {
		return nil, decodeProblems(o, decodeKeys, err)
	}
	applyDefaults(c, raw)
	c.origin = o
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// fileVersion reads and checks the version key.
func (s schema) fileVersion(o *origin, raw map[string]any) (int, error) {
	v, ok := raw["version"]
	if !ok {
		p := o.problem("version", fmt.Sprintf("missing: add `version = %d` as the first line", s.version))
		p.Line = 1
		return 0, p
	}
	n, ok := v.(int64)
	if !ok {
		return 0, o.problem("version", fmt.Sprintf("want a whole number such as %d", s.version))
	}
	switch {
	case n < 1:
		return 0, o.problem("version", fmt.Sprintf("%d is not a version: want %d", n, s.version))
	case n > int64(s.version):
		return 0, o.problem("version", fmt.Sprintf("this file is for a newer Relay Studio (version %d; this build reads up to %d): update Relay Studio, or start from defaults", n, s.version))
	}
	return int(n), nil
}

// syntaxProblem explains why data is not TOML at all.
func syntaxProblem(file string, data []byte, err error) error {
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, col := de.Position()
		// go-toml's messages name the construct, never the value, so they
		// cannot leak a key; its multi-line String() quotes the document
		// and is not used.
		return &Problem{File: file, Line: line, Message: fmt.Sprintf("not valid TOML at column %d: %s", col, strings.TrimPrefix(de.Error(), "toml: "))}
	}
	// go-toml reports a key set twice without a position; the index finds it.
	if dups := indexKeys(data).dups; len(dups) > 0 {
		return &Problem{File: file, Line: dups[0].line, Key: dups[0].path, Message: "set twice: keep only one"}
	}
	return &Problem{File: file, Message: "not valid TOML: " + strings.TrimPrefix(err.Error(), "toml: ")}
}

var tomlTypeRE = regexp.MustCompile(`cannot decode TOML (\w+)`)

// decodeProblems explains a strict-decoding failure: unknown keys (with a
// suggestion) or a value of the wrong type. Positions are in the decoded
// document, whose index (decoded) maps them to key paths, which o maps back
// to the user's lines.
func decodeProblems(o *origin, decoded *keyIndex, err error) error {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) {
		var ps []*Problem
		for _, e := range strict.Errors {
			line, _ := e.Position()
			key := []string(e.Key())
			if len(key) == 0 {
				continue
			}
			path, ok := decoded.pathAt(line, key)
			if !ok {
				path = strings.Join(key, ".")
			}
			name := key[len(key)-1]
			msg := fmt.Sprintf("unknown key %q", name)
			if s := suggest(name, knownKeys(key[:len(key)-1])); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			p := o.problem(parentPath(path), msg)
			if l, ok := o.keys.line(path); ok {
				p.Line = l
			}
			ps = append(ps, p)
		}
		if len(ps) == 0 { // never nil: Load must not return (nil, nil)
			return &Problem{File: o.file, Message: strings.TrimPrefix(err.Error(), "toml: ")}
		}
		return joinProblems(ps)
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, col := de.Position()
		msg := strings.TrimPrefix(de.Error(), "toml: ")
		path, ok := decoded.pathAtColumn(line, col)
		if !ok {
			return &Problem{File: o.file, Message: msg}
		}
		if want := expectedKind(path); want != "" {
			msg = "want " + want
			if m := tomlTypeRE.FindStringSubmatch(de.Error()); m != nil {
				msg += ", not " + tomlKindNames[m[1]]
			}
		}
		return o.problem(path, msg)
	}
	return &Problem{File: o.file, Message: strings.TrimPrefix(err.Error(), "toml: ")}
}

var tomlKindNames = map[string]string{
	"string":          "text",
	"integer":         "a whole number",
	"float":           "a number",
	"bool":            "true or false",
	"boolean":         "true or false",
	"array":           "a list",
	"inline":          "a table",
	"table":           "a table",
	"datetime":        "a date",
	"local-date":      "a date",
	"local-time":      "a time",
	"local-date-time": "a date",
}

// fieldType returns the Go type a key path (indices allowed) decodes into.
func fieldType(path []string) (reflect.Type, bool) {
	t := reflect.TypeFor[Config]()
	for _, k := range path {
		for t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return nil, false
		}
		found := false
		for i := range t.NumField() {
			f := t.Field(i)
			if tomlName(f) == k {
				t, found = f.Type, true
				break
			}
		}
		if !found {
			return nil, false
		}
	}
	return t, true
}

func tomlName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
	return name
}

// knownKeys lists the keys the table at path accepts.
func knownKeys(path []string) []string {
	t, ok := fieldType(path)
	if !ok {
		return nil
	}
	for t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	for i := range t.NumField() {
		if n := tomlName(t.Field(i)); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// expectedKind describes for people what the key at path (with indices)
// holds.
func expectedKind(path string) string {
	t, ok := fieldType(strings.Split(stripIndices(path), "."))
	if !ok {
		return ""
	}
	switch t.Kind() {
	case reflect.String:
		return "text in quotes"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Int, reflect.Int64:
		return "a whole number"
	case reflect.Bool:
		return "true or false"
	case reflect.Struct:
		return "a table"
	case reflect.Slice:
		return "a list of tables ([[" + stripIndices(path) + "]])"
	}
	return ""
}

// suggest returns the known key closest to name, if it is close enough to
// be a typo.
func suggest(name string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if d := editDistance(strings.ToLower(name), k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// applyDefaults fills the fields the file left out. Presence is read from
// the raw map because a zero value ("", false) may be what the user wrote.
func applyDefaults(c *Config, raw map[string]any) {
	streams, _ := raw["streams"].([]any)
	for i := range c.Streams {
		s := &c.Streams[i]
		rs := tableAt(streams, i)
		rv, _ := rs["video"].(map[string]any)
		ra, _ := rs["audio"].(map[string]any)
		setDefault(&s.RTSPTransport, rs, "rtsp_transport", DefaultRTSPTransport)
		setDefault(&s.Video.Mode, rv, "mode", DefaultVideoMode)
		setDefault(&s.Video.Bitrate, rv, "bitrate", DefaultVideoBitrate)
		setDefault(&s.Video.Preset, rv, "preset", DefaultPreset)
		setDefault(&s.Video.KeyframeInterval, rv, "keyframe_interval", DefaultKeyframeInterval)
		setDefault(&s.Audio.Mode, ra, "mode", DefaultAudioMode)
		setDefault(&s.Audio.Bitrate, ra, "bitrate", DefaultAudioBitrate)
		setDefault(&s.RecordSplit, rs, "record_split", DefaultRecordSplit)
		rsl, _ := rs["slate"].(map[string]any)
		if _, ok := rsl["enabled"]; !ok {
			s.Slate.Enabled = true
		}
		setDefault(&s.Slate.After, rsl, "after", DefaultSlateAfter)
		setDefault(&s.Slate.GiveUp, rsl, "give_up", DefaultSlateGiveUp)
		dests, _ := rs["destinations"].([]any)
		for j := range s.Destinations {
			if _, ok := tableAt(dests, j)["enabled"]; !ok {
				s.Destinations[j].Enabled = true
			}
		}
	}
}

func tableAt(list []any, i int) map[string]any {
	if i >= len(list) {
		return nil
	}
	m, _ := list[i].(map[string]any)
	return m
}

func setDefault(field *string, table map[string]any, key, def string) {
	if _, ok := table[key]; !ok {
		*field = def
	}
}
