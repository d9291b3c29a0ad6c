package ui

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// engineLogMessages are the constant messages of the slog calls of the
// packages whose records reach the window's log panel.
func engineLogMessages(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	fset := token.NewFileSet()
	for _, dir := range []string{"../media", "../studio", "../settings", "../api", "."} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") ||
				strings.Contains(path, "testsrc") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				c, ok := n.(*ast.CallExpr)
				if !ok || len(c.Args) == 0 {
					return true
				}
				sel, ok := c.Fun.(*ast.SelectorExpr)
				if !ok || (sel.Sel.Name != "Info" && sel.Sel.Name != "Warn" && sel.Sel.Name != "Error") {
					return true
				}
				msg := ""
				switch a := c.Args[0].(type) {
				case *ast.BasicLit:
					msg, _ = strconv.Unquote(a.Value)
				case *ast.BinaryExpr: // "destination " + state
					if lit, ok := a.X.(*ast.BasicLit); ok && a.Op == token.ADD {
						msg, _ = strconv.Unquote(lit.Value)
						msg += "live"
					}
				}
				if msg != "" {
					out[msg] = fset.Position(c.Pos()).String()
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestEngineTextTranslated: every log message of the engine, the studio,
// the settings, the API and the window, and the reasons and errors people
// meet most, come out in Chinese with no English left but names and
// technical words.
func TestEngineTextTranslated(t *testing.T) {
	t.Cleanup(func() { useLanguage("en") })
	useLanguage("zh-CN")
	msgs := engineLogMessages(t)
	if len(msgs) < 50 {
		t.Fatalf("found only %d log messages: the scan is broken", len(msgs))
	}
	reasons := []string{
		"retrying in 4s: connection refused",
		"camera lost: camera rtsp://127.0.0.1:8554/cam: did not answer (connection refused: check the address and port)",
		"on slate since 12:03: camera lost: reconnecting",
		"YouTube: retrying in 8s: stream key refused by rtmps://a.rtmps.youtube.com/live2; Twitch: connecting",
		"12 frames dropped in the last second; encoder too slow (0.82x real time): choose a faster preset, a smaller size, or a lighter preview (5 fps, under the picture)",
		"camera rtsp://cam.local/stream1: wrong user or password (401)",
		"reconnecting: camera rtsp://10.0.0.2/h264: sent no video for 10s (stalled or network down)",
		"previewing (not streaming)",
		"live and healthy",
		"waiting for the source",
		"certificate not trusted: it is not valid for live.example.com",
		"streams[0].destinations[1].url: missing: give the server URL the platform shows, e.g. rtmps://a.rtmps.youtube.com/live2",
		`streams[1].video.mode: "x265": want copy or h264; streams[1].name: missing: give the stream a name`,
		"streams[0].destinations[0].url: rtmp://example.com/live/xxxxx: ends with the stream key: keep only the server part in url, the key goes in key",
		"the camera sends a keyframe every 8.0 s; YouTube, Twitch and Facebook want 4 s or less: set the camera's I-frame interval to twice its frame rate, or transcode (video h264)",
	}
	check := func(what, in string) {
		out := engineText(in)
		for _, w := range wordRE.FindAllString(numbersAndURLs.ReplaceAllString(out, ""), -1) {
			if !technicalWord(w) && !strings.Contains("YouTube Twitch", w) {
				t.Errorf("%s %q → %q: %q is left in English", what, in, out, w)
				return
			}
		}
	}
	for msg, where := range msgs {
		check("log message at "+where, msg)
	}
	for _, r := range reasons {
		check("reason", r)
	}
	useLanguage("en")
	for _, r := range reasons {
		if got := engineText(r); got != r {
			t.Errorf("English: %q became %q", r, got)
		}
	}
}

// TestLogSentenceInChinese: a log line in Chinese keeps names and values.
func TestLogSentenceInChinese(t *testing.T) {
	t.Cleanup(func() { useLanguage("en") })
	useLanguage("zh-CN")
	got := sentence(slog.LevelWarn, "destination failed", []slog.Attr{
		slog.String("stream", "院子"), slog.String("destination", "Bilibili"),
		slog.String("reason", "retrying in 4s: connection refused"), slog.String("attempt", "3"),
	})
	if want := "警告：院子 › Bilibili：推流目标失败：4 秒后重试：连接被拒绝（尝试次数 3）"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	useLanguage("en")
	got = sentence(slog.LevelWarn, "destination failed", []slog.Attr{
		slog.String("stream", "Yard"), slog.String("destination", "YouTube"),
		slog.String("reason", "connection refused"), slog.String("attempt", "3"),
	})
	if want := "Warning: Yard › YouTube: destination failed: connection refused (attempt 3)"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
