package settings

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// keyIndex records where each key of a TOML document was written, by its
// full path with array indices ("streams[1].video.bitrate"). go-toml's
// decoder reports positions only for syntax and type errors; this index
// lets validation name the line of a bad value too.
type keyIndex struct {
	entries []keyPos // document order
	dups    []keyPos // keys set a second time
}

// keyPos is one key (or table header) and where it starts.
type keyPos struct {
	path      string
	line, col int
}

// indexKeys indexes data, which must already be valid TOML (go-toml has
// parsed it): on a parse error it returns what it indexed so far.
func indexKeys(data []byte) *keyIndex {
	idx := &keyIndex{}
	var p unstable.Parser
	p.Reset(data)
	arrays := map[string]int{} // path of an array of tables → elements so far
	seen := map[string]bool{}
	current := ""
	record := func(path string, n *unstable.Node) {
		pos := p.Shape(n.Raw).Start
		e := keyPos{path: path, line: pos.Line, col: pos.Column}
		if seen[path] {
			idx.dups = append(idx.dups, e)
		}
		seen[path] = true
		idx.entries = append(idx.entries, e)
	}
	// walk records the keys inside an inline table or an array of them.
	var walk func(path string, v *unstable.Node)
	walk = func(path string, v *unstable.Node) {
		switch v.Kind {
		case unstable.InlineTable:
			it := v.Children()
			for it.Next() {
				kv := it.Node()
				parts, first := keyParts(kv)
				child := joinPath(path, parts...)
				record(child, first)
				walk(child, kv.Value())
			}
		case unstable.Array:
			it := v.Children()
			for i := 0; it.Next(); i++ {
				if el := it.Node(); el.Kind == unstable.InlineTable {
					walk(fmt.Sprintf("%s[%d]", path, i), el)
				}
			}
		}
	}
	for p.NextExpression() {
		n := p.Expression()
		switch n.Kind {
		case unstable.Table, unstable.ArrayTable:
			parts, first := keyParts(n)
			if first == nil {
				continue
			}
			path := ""
			for i, k := range parts {
				path = joinPath(path, k)
				last := i == len(parts)-1
				switch {
				case last && n.Kind == unstable.ArrayTable:
					n := arrays[path]
					arrays[path] = n + 1
					path += fmt.Sprintf("[%d]", n)
				case arrays[path] > 0:
					// A header names the latest element of an array of
					// tables ([streams.video] after [[streams]]).
					path += fmt.Sprintf("[%d]", arrays[path]-1)
				}
			}
			current = path
			record(path, first)
		case unstable.KeyValue:
			parts, first := keyParts(n)
			if first == nil {
				continue
			}
			path := joinPath(current, parts...)
			record(path, first)
			walk(path, n.Value())
		}
	}
	return idx
}

// keyParts returns the dotted key of a table header or key-value and its
// first key node (for the position).
func keyParts(n *unstable.Node) ([]string, *unstable.Node) {
	var parts []string
	var first *unstable.Node
	it := n.Key()
	for it.Next() {
		k := it.Node()
		if first == nil {
			first = k
		}
		parts = append(parts, string(k.Data))
	}
	return parts, first
}

func joinPath(base string, parts ...string) string {
	for _, p := range parts {
		if base == "" {
			base = p
		} else {
			base += "." + p
		}
	}
	return base
}

var indexRE = regexp.MustCompile(`\[\d+\]`)

// stripIndices turns "streams[1].video" into "streams.video", the form
// go-toml uses in its key paths.
func stripIndices(path string) string { return indexRE.ReplaceAllString(path, "") }

// line returns the line where path, or failing that its nearest written
// ancestor, was set. A field left at its default has no line of its own:
// its table's header is the best place to point at.
func (x *keyIndex) line(path string) (int, bool) {
	if x == nil {
		return 0, false
	}
	for path != "" {
		for _, e := range x.entries {
			if e.path == path {
				return e.line, true
			}
		}
		path = parentPath(path)
	}
	return 0, false
}

// parentPath drops the last element of a path: "a[1].b" → "a[1]" → "a".
func parentPath(path string) string {
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndexByte(path, '['); i >= 0 {
			return path[:i]
		}
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i]
	}
	return ""
}

// pathAt returns the full path of the key go-toml reported as keyPath
// (without indices) on line.
func (x *keyIndex) pathAt(line int, keyPath []string) (string, bool) {
	want := strings.Join(keyPath, ".")
	for _, e := range x.entries {
		if e.line == line && stripIndices(e.path) == want {
			return e.path, true
		}
	}
	return "", false
}

// pathAtColumn returns the path of the last key that starts on line at or
// before col: the key whose value go-toml pointed at.
func (x *keyIndex) pathAtColumn(line, col int) (string, bool) {
	found, ok := "", false
	for _, e := range x.entries {
		if e.line == line && e.col <= col {
			found, ok = e.path, true
		}
	}
	return found, ok
}
