package codec

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/asticode/go-astiav"
	"go.uber.org/goleak"

	"github.com/relaystudio/relaystudio/media"
)

// TestMain checks that no goroutine outlives the tests (the package starts
// none of its own: FFmpeg's threads are C threads, joined by Close), and,
// after every test, that each filter the engine's graphs used is one the
// project's FFmpeg is built with.
func TestMain(m *testing.M) {
	onGraphConfigured = usedFilters.add
	goleak.VerifyTestMain(componentCheck{m})
}

// componentsFile is the list ffmpeg/build.sh configures FFmpeg with.
const componentsFile = "../../ffmpeg/components"

// readComponents reads ffmpeg/components as kind → names. A line that is
// not KIND NAME # reason is an error.
func readComponents() (map[string][]string, error) {
	b, err := os.ReadFile(componentsFile)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for n, text := range strings.Split(string(b), "\n") {
		line, reason, _ := strings.Cut(text, "#")
		fields := strings.Fields(line)
		switch {
		case len(fields) == 0:
			continue
		case len(fields) != 2:
			return nil, fmt.Errorf("%s:%d: want KIND NAME # reason, got %q", componentsFile, n+1, text)
		case strings.TrimSpace(reason) == "":
			return nil, fmt.Errorf("%s:%d: %s %s has no reason after '#'", componentsFile, n+1, fields[0], fields[1])
		}
		out[fields[0]] = append(out[fields[0]], fields[1])
	}
	return out, nil
}

// TestFFmpegComponents: every component in ffmpeg/components is in the
// FFmpeg this binary links (so a typo or a component configure dropped
// fails here), and every codec the engine opens is in the list.
func TestFFmpegComponents(t *testing.T) {
	list, err := readComponents()
	if err != nil {
		t.Fatal(err)
	}
	for kind, names := range list {
		for _, name := range names {
			var found bool
			switch kind {
			case "decoder":
				found = astiav.FindDecoderByName(name) != nil
			case "encoder":
				found = astiav.FindEncoderByName(name) != nil
			case "filter":
				found = astiav.FindFilterByName(name) != nil
			default:
				t.Errorf("%s: %s %s: this test cannot check a %s yet: teach it", componentsFile, kind, name, kind)
				continue
			}
			if !found {
				t.Errorf("the linked FFmpeg has no %s %s (listed in %s)", kind, name, componentsFile)
			}
		}
	}

	var decoders []string
	for _, m := range []map[media.Codec]astiav.CodecID{videoDecoders, audioDecoders} {
		for codec, id := range m {
			d := astiav.FindDecoder(id)
			if d == nil {
				t.Errorf("the linked FFmpeg has no decoder for %s", codec)
				continue
			}
			decoders = append(decoders, d.Name())
			if !slices.Contains(list["decoder"], d.Name()) {
				t.Errorf("the engine decodes %s with %s, which %s does not list", codec, d.Name(), componentsFile)
			}
		}
	}
	for _, name := range list["decoder"] {
		if !slices.Contains(decoders, name) {
			t.Errorf("%s lists decoder %s, which the engine never opens: remove it", componentsFile, name)
		}
	}
	encoders := []string{videoEncoder}
	if e := astiav.FindEncoder(audioEncoder); e != nil {
		encoders = append(encoders, e.Name())
	} else {
		t.Error("the linked FFmpeg has no AAC encoder")
	}
	if !slices.Equal(slices.Sorted(slices.Values(encoders)), slices.Sorted(slices.Values(list["encoder"]))) {
		t.Errorf("the engine opens the encoders %v; %s lists %v", encoders, componentsFile, list["encoder"])
	}
}

// filterSet collects the filter types of configured graphs.
type filterSet struct {
	mu    sync.Mutex
	names map[string]bool
}

var usedFilters filterSet

// graphFilter finds the filter types in a graph dump, which names each
// filter instance and then its type in parentheses: "|  (aresample)  |".
var graphFilter = regexp.MustCompile(`\|\s*\(([a-z0-9_]+)\)\s*\|`)

func (s *filterSet) add(dump string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.names == nil {
		s.names = map[string]bool{}
	}
	for _, m := range graphFilter.FindAllStringSubmatch(dump, -1) {
		s.names[m[1]] = true
	}
}

type componentCheck struct{ m *testing.M }

// Run runs the tests, then fails the package when a graph used a filter
// that ffmpeg/components does not list (with a system FFmpeg it would
// work here and fail in the shipped build).
func (c componentCheck) Run() int {
	code := c.m.Run()
	usedFilters.mu.Lock()
	defer usedFilters.mu.Unlock()
	if len(usedFilters.names) == 0 {
		return code // no test that builds a graph ran (-run)
	}
	list, err := readComponents()
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		return 1
	}
	for name := range usedFilters.names {
		if !slices.Contains(list["filter"], name) {
			fmt.Fprintf(os.Stderr, "FAIL: the engine's filter graphs use the filter %s, which %s does not list\n", name, componentsFile)
			code = 1
		}
	}
	return code
}
