//go:build !windows

package settings

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// makePrivate makes f readable and writable by its owner only.
func makePrivate(f *os.File) error { return f.Chmod(0o600) }

// replaceFile renames tmp over path: atomic on every Unix file system.
func replaceFile(tmp, path string) error { return os.Rename(tmp, path) }

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("cannot save settings: %w", err)
	}
	serr := d.Sync()
	cerr := d.Close()
	if err := errors.Join(serr, cerr); err != nil {
		return fmt.Errorf("cannot save settings: sync folder %s: %w", dir, err)
	}
	return nil
}

// PrivacyProblem says, in a sentence, when the file at path can be read or
// changed by other users, or sits in a folder others can write to: it holds
// stream keys and camera passwords. It returns "" when the file is private
// or cannot be looked at. It changes nothing; Save makes the file private.
func PrivacyProblem(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return ""
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Sprintf("%s can be read by other users (mode %04o) and holds stream keys: run chmod 600 %s", path, perm, path)
	}
	dir := filepath.Dir(path)
	if di, err := os.Stat(dir); err == nil && di.Mode().Perm()&0o022 != 0 && di.Mode()&os.ModeSticky == 0 {
		return fmt.Sprintf("other users can replace files in %s (mode %04o): run chmod 700 %s", dir, di.Mode().Perm(), dir)
	}
	return ""
}
