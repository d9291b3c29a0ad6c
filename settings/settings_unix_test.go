//go:build !windows

package settings

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tempDir is t.TempDir (see the Windows one).
func tempDir(t *testing.T) string { return t.TempDir() }

// assertPrivate: mode 0600.
func assertPrivate(t *testing.T, path string) {
	t.Helper()
	assertMode(t, path, 0o600)
}

func TestLoadPermission(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads files whatever their mode")
	}
	path := writeFile(t, fullDoc)
	if err := os.Chmod(path, 0); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if !errors.Is(err, fs.ErrPermission) {
		t.Fatalf("err = %v", err)
	}
}

func TestSaveModes(t *testing.T) {
	dir := filepath.Join(tempDir(t), "a", "relaystudio")
	path := filepath.Join(dir, "config.toml")
	if err := Default().Save(path); err != nil {
		t.Fatal(err)
	}
	assertMode(t, dir, fs.ModeDir|0o700)
	assertMode(t, path, 0o600)

	wide := writeFile(t, fullDoc)
	if err := os.Chmod(wide, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Default().Save(wide); err != nil {
		t.Fatal(err)
	}
	assertMode(t, wide, 0o600)
}

func assertMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != want {
		t.Fatalf("%s: mode %v, want %v", path, fi.Mode(), want)
	}
}

func TestSaveFollowsSymlink(t *testing.T) {
	real := writeFile(t, fullDoc)
	link := filepath.Join(tempDir(t), "config.toml")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if err := Default().Save(link); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Fatal("the link was replaced by a file")
	}
	c, err := Load(real)
	if err != nil || c.Streams[0].Name != "Test pattern" {
		t.Fatalf("target not updated: %v", err)
	}
}

// TestPrivacyProblem: a settings file others can read, or a folder others
// can write to, is named with the command that fixes it; a file Save wrote
// is private; nothing is changed by looking.
func TestPrivacyProblem(t *testing.T) {
	dir := filepath.Join(tempDir(t), "relaystudio")
	path := filepath.Join(dir, "config.toml")
	if err := Default().Save(path); err != nil {
		t.Fatal(err)
	}
	if p := PrivacyProblem(path); p != "" {
		t.Fatalf("a saved file: %q, want none", p)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if p := PrivacyProblem(path); !strings.Contains(p, "mode 0644") || !strings.Contains(p, "chmod 600 "+path) {
		t.Errorf("a 0644 file: %q", p)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Error("PrivacyProblem changed the mode")
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if p := PrivacyProblem(path); !strings.Contains(p, "chmod 700 "+dir) {
		t.Errorf("a 0777 folder: %q", p)
	}
	if p := PrivacyProblem(filepath.Join(dir, "missing.toml")); p != "" {
		t.Errorf("a missing file: %q", p)
	}
}
