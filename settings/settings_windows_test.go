package settings

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/windows"
)

// These run on Windows (and under Wine, from make test: see
// windows_test.go at the top of the tree).

// allRights is any access at all.
const allRights = windows.ACCESS_MASK(0xFFFFFFFF)

// assertPrivate: the file's ACL is its own (not inherited) and lets nobody
// but the user, SYSTEM and Administrators do anything.
func assertPrivate(t *testing.T, path string) {
	t.Helper()
	if underWine() {
		t.Logf("%s: ACL not checked: Wine makes file ACLs up from Unix modes and does not keep one set", path)
		return
	}
	user, err := currentUser()
	if err != nil {
		t.Fatal(err)
	}
	if others := othersWith(path, allRights, user); len(others) > 0 {
		t.Fatalf("%s: %v have access", path, others)
	}
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		t.Fatal(err)
	}
	if control, _, err := sd.Control(); err != nil || control&windows.SE_DACL_PROTECTED == 0 {
		t.Fatalf("%s: the ACL is inherited from the folder (control %#x, %v)", path, control, err)
	}
}

// underWine: ntdll has Wine's own export.
func underWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}

// grantEveryoneRead adds an entry that lets Everyone read path.
func grantEveryoneRead(t *testing.T, path string) {
	t.Helper()
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		t.Fatal(err)
	}
	old, _, err := sd.DACL()
	if err != nil {
		t.Fatal(err)
	}
	everyone, err := windows.CreateWellKnownSid(windows.WinWorldSid)
	if err != nil {
		t.Fatal(err)
	}
	acl, err := windows.ACLFromEntries([]windows.EXPLICIT_ACCESS{{
		AccessPermissions: windows.GENERIC_READ,
		AccessMode:        windows.GRANT_ACCESS,
		Trustee:           windows.TRUSTEE{TrusteeForm: windows.TRUSTEE_IS_SID, TrusteeValue: windows.TrusteeValueFromSID(everyone)},
	}}, old)
	if err != nil {
		t.Fatal(err)
	}
	if err := windows.SetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION, nil, nil, acl, nil); err != nil {
		t.Fatal(err)
	}
}

// A folder with spaces and Chinese characters, as under C:\Users\张伟.
func userDir(t *testing.T) string {
	return filepath.Join(tempDir(t), "张伟 的 设置", "relaystudio")
}

// tempDir is t.TempDir, removed file by file with os.Remove: Go's
// RemoveAll deletes through FileDispositionInformationEx, which Wine 8
// refuses ("Invalid function"), and these tests run under Wine too.
func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "settings-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		var paths []string
		filepath.WalkDir(dir, func(path string, _ fs.DirEntry, err error) error {
			paths = append(paths, path)
			return nil
		})
		for i := len(paths) - 1; i >= 0; i-- {
			if err := os.Remove(paths[i]); err != nil {
				t.Errorf("cleanup: %v", err)
			}
		}
	})
	return dir
}

func TestSaveWindows(t *testing.T) {
	path := filepath.Join(userDir(t), "config.toml")
	c := Default()
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	assertPrivate(t, path)
	if p := PrivacyProblem(path); p != "" && !underWine() {
		t.Fatalf("a saved file: %q", p)
	}
	// Saving again replaces the file (MoveFileEx over an existing one).
	for i := 0; i < 5; i++ {
		c.Streams[0].Name = strings.Repeat("x", i+1)
		if err := c.Save(path); err != nil {
			t.Fatalf("save %d: %v", i, err)
		}
	}
	got, err := Load(path)
	if err != nil || got.Streams[0].Name != "xxxxx" {
		t.Fatalf("load after saves: %v", err)
	}
	assertAlone(t, path)
}

func TestPrivacyProblemWindows(t *testing.T) {
	path := filepath.Join(userDir(t), "config.toml")
	if err := Default().Save(path); err != nil {
		t.Fatal(err)
	}
	if underWine() {
		t.Skip("Wine makes file ACLs up from Unix modes (Everyone may read them all) and does not keep one set")
	}
	grantEveryoneRead(t, path)
	p := PrivacyProblem(path)
	if !strings.Contains(p, "can be read by other users (Everyone)") || !strings.Contains(p, `icacls "`+path+`" /inheritance:r /grant:r`) {
		t.Fatalf("a file Everyone can read: %q", p)
	}
	// Save makes it private again.
	if err := Default().Save(path); err != nil {
		t.Fatal(err)
	}
	if p := PrivacyProblem(path); p != "" {
		t.Fatalf("after a save: %q", p)
	}
	if p := PrivacyProblem(path + ".missing"); p != "" {
		t.Fatalf("a missing file: %q", p)
	}
}

// A program that has the file open (Go, like most, opens without delete
// sharing, so the file cannot be renamed over): the save still lands.
func TestSaveOverOpenFile(t *testing.T) {
	path := filepath.Join(userDir(t), "config.toml")
	if err := Default().Save(path); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := Default()
	c.Streams[0].Name = "Changed while open"
	if err := c.Save(path); err != nil {
		t.Fatalf("save over an open file: %v", err)
	}
	got, err := Load(path)
	if err != nil || got.Streams[0].Name != "Changed while open" {
		t.Fatalf("load: %v", err)
	}
	assertAlone(t, path)
}

// A program that holds the file with no sharing at all: the save fails
// with a sentence that says what to do, and the old file stays whole.
func TestSaveOverLockedFile(t *testing.T) {
	path := filepath.Join(userDir(t), "config.toml")
	if err := Default().Save(path); err != nil {
		t.Fatal(err)
	}
	before := mustRead(t, path)
	name, _ := windows.UTF16PtrFromString(path)
	h, err := windows.CreateFile(name, windows.GENERIC_READ, 0, nil, windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		t.Fatal(err)
	}
	c := Default()
	c.Streams[0].Name = "Not saved"
	err = c.Save(path)
	windows.CloseHandle(h)
	if err == nil || !strings.Contains(err.Error(), "another program has the file open") || !strings.Contains(err.Error(), "close it and save again") {
		t.Fatalf("save over a locked file: %v", err)
	}
	if mustRead(t, path) != before {
		t.Fatal("the old file changed")
	}
	assertAlone(t, path)
}
