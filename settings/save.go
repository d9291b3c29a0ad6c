package settings

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// Save writes c to path atomically: a temporary file in the same folder is
// written and fsynced, renamed over path, and the folder is fsynced (on
// Windows the rename is written through instead), so a crash leaves either
// the old file or the new one, never a mix. The file is created (or
// replaced) private to the user: mode 0600, or on Windows an ACL of its
// own (see makePrivate); a missing folder gets 0700. A
// symbolic link at path is followed, so the link stays. Save refuses an
// invalid config (so the file always loads again) and a Redacted copy, and
// writes CurrentVersion. Comments a user added to the file are not kept.
func (c *Config) Save(path string) error { return current().save(c, path) }

func (s schema) save(c *Config, path string) error {
	if c.redacted {
		return errors.New("settings: refusing to save a redacted copy: its stream keys are masked")
	}
	if err := c.Validate(); err != nil {
		return fmt.Errorf("not saving %s: %w", path, err)
	}
	data, err := s.marshal(c)
	if err != nil {
		return err
	}
	target := path
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		target = resolved
	}
	if err := s.writeAtomic(target, data); err != nil {
		return err
	}
	c.Version = s.version
	c.origin = &origin{file: path, keys: indexKeys(data)}
	return nil
}

// marshal encodes c as the schema's version.
func (s schema) marshal(c *Config) ([]byte, error) {
	out := *c
	out.Version = s.version
	data, err := toml.Marshal(&out)
	if err != nil {
		return nil, fmt.Errorf("settings: cannot encode: %w", err)
	}
	return data, nil
}

// writeAtomic replaces path with data (see Save).
func (s schema) writeAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cannot create the settings folder: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("cannot save settings: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	// CreateTemp already makes a private file on Unix (0600); say so
	// explicitly since the file holds stream keys, and on Windows give it
	// an ACL of its own (see makePrivate).
	if err := makePrivate(f); err != nil {
		return fmt.Errorf("cannot save settings: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("cannot save settings: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("cannot save settings: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("cannot save settings: %w", err)
	}
	if err := s.rename(tmp, path); err != nil {
		return fmt.Errorf("cannot save settings to %s: %w", path, err)
	}
	return syncDir(dir)
}

// KeepBroken copies the file at path, unchanged, to
// path.broken-YYYYMMDD-HHMMSS (now, with -1, -2... if that exists) with mode
// 0600, and returns the copy's name: the window's "start from defaults after
// keeping a copy". The original is left as it is.
func KeepBroken(path string, now time.Time) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("cannot keep a copy of %s: %w", path, err)
	}
	base := path + ".broken-" + now.Format("20060102-150405")
	for i := 0; i < 100; i++ {
		name := base
		if i > 0 {
			name = fmt.Sprintf("%s-%d", base, i)
		}
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("cannot keep a copy of %s: %w", path, err)
		}
		perr := makePrivate(f)
		_, werr := f.Write(data)
		serr := f.Sync()
		cerr := f.Close()
		if err := errors.Join(perr, werr, serr, cerr); err != nil {
			os.Remove(name)
			return "", fmt.Errorf("cannot keep a copy of %s: %w", path, err)
		}
		if err := syncDir(filepath.Dir(name)); err != nil {
			return "", err
		}
		return name, nil
	}
	return "", fmt.Errorf("cannot keep a copy of %s: too many copies from %s", path, now.Format(time.DateTime))
}

// exportHeader opens every exported file.
const exportHeader = "# Exported without stream keys or camera passwords.\n" +
	"# `relaystudio config import FILE` merges it into a config and keeps the secrets already there.\n"

// Export writes c without stream keys and camera passwords (user names stay)
// for `relaystudio config export`. The output loads with Load and merges
// back with Merge.
func (c *Config) Export(w io.Writer) error {
	data, err := current().marshal(c.withoutSecrets())
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, exportHeader); err != nil {
		return fmt.Errorf("settings: export: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("settings: export: %w", err)
	}
	return nil
}
