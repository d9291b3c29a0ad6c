package settings

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// makePrivate gives f an ACL of its own, not inherited from its folder,
// with full control for the user running Relay Studio and nobody else: the
// Windows counterpart of chmod 600. (Administrators can still take
// ownership, as root can still read a 0600 file, and backup programs read
// through their backup privilege.)
func makePrivate(f *os.File) error {
	user, err := currentUser()
	if err != nil {
		return err
	}
	trustees := []*windows.SID{user}
	entries := make([]windows.EXPLICIT_ACCESS, len(trustees))
	for i, sid := range trustees {
		entries[i] = windows.EXPLICIT_ACCESS{
			AccessPermissions: windows.GENERIC_ALL,
			AccessMode:        windows.GRANT_ACCESS,
			Inheritance:       windows.NO_INHERITANCE,
			Trustee: windows.TRUSTEE{
				TrusteeForm:  windows.TRUSTEE_IS_SID,
				TrusteeValue: windows.TrusteeValueFromSID(sid),
			},
		}
	}
	acl, err := windows.ACLFromEntries(entries, nil)
	if err != nil {
		return fmt.Errorf("make %s private: %w", f.Name(), err)
	}
	err = windows.SetNamedSecurityInfo(f.Name(), windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, acl, nil)
	if err != nil {
		return fmt.Errorf("make %s private: %w", f.Name(), err)
	}
	return nil
}

// currentUser is the SID of the user this process runs as.
func currentUser() (*windows.SID, error) {
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return nil, fmt.Errorf("cannot tell which user this is: %w", err)
	}
	return tu.User.Sid.Copy()
}

// replaceBusyFor is how long replaceFile keeps trying while another program
// (a virus scanner, a search indexer, an editor) has the file open.
const replaceBusyFor = 2 * time.Second

// replaceFile moves tmp over path with MoveFileEx, written through to the
// disk before it returns (Windows cannot flush a folder, so this is what
// makes the rename durable). A file another program holds open without
// delete sharing cannot be replaced: replaceFile retries for a while, then
// writes tmp's bytes into path in place (not atomic, but the change is not
// lost) and removes tmp.
func replaceFile(tmp, path string) error {
	from, err := windows.UTF16PtrFromString(tmp)
	if err != nil {
		return err
	}
	to, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(replaceBusyFor)
	for delay := 10 * time.Millisecond; ; delay = min(2*delay, 200*time.Millisecond) {
		err = windows.MoveFileEx(from, to, windows.MOVEFILE_REPLACE_EXISTING|windows.MOVEFILE_WRITE_THROUGH)
		if err == nil || !busy(err) || time.Now().After(deadline) {
			break
		}
		time.Sleep(delay)
	}
	if err == nil {
		return nil
	}
	if busy(err) {
		if werr := overwrite(tmp, path); werr == nil {
			return os.Remove(tmp)
		}
		return fmt.Errorf("another program has the file open and does not let it be replaced (%w): close it and save again", err)
	}
	return &os.LinkError{Op: "rename", Old: tmp, New: path, Err: err}
}

// busy reports a rename refused because the target is in use.
func busy(err error) bool {
	return errors.Is(err, windows.ERROR_ACCESS_DENIED) || errors.Is(err, windows.ERROR_SHARING_VIOLATION) ||
		errors.Is(err, windows.ERROR_LOCK_VIOLATION)
}

// overwrite writes the bytes of tmp into path, which stays the same file.
func overwrite(tmp, path string) error {
	data, err := os.ReadFile(tmp)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	serr := f.Sync()
	return errors.Join(werr, serr, f.Close())
}

// syncDir does nothing on Windows: a folder cannot be opened for flushing
// there, and replaceFile writes the rename through instead.
func syncDir(string) error { return nil }

// Access rights that let another user read the file, or put or remove
// files in a folder.
const (
	readRights = windows.FILE_READ_DATA | windows.GENERIC_READ | windows.GENERIC_ALL
	// FILE_ADD_FILE (0x2, the folder's FILE_WRITE_DATA) and FILE_DELETE_CHILD (0x40).
	dirRights = 0x2 | 0x40 | windows.GENERIC_WRITE | windows.GENERIC_ALL | windows.WRITE_DAC | windows.WRITE_OWNER
)

// PrivacyProblem says, in a sentence, when the file at path can be read by
// other users, or sits in a folder others can add files to or delete them
// from: it holds stream keys and camera passwords. On Windows this reads
// the file's and the folder's ACLs: an entry that allows reading (or, for
// the folder, writing) to anyone but the user, the file's owner, SYSTEM and
// Administrators counts; deny entries are not weighed against it. It
// returns "" when the file is private or cannot be looked at. It changes
// nothing; Save makes the file private.
func PrivacyProblem(path string) string {
	if _, err := os.Stat(path); err != nil {
		return ""
	}
	user, err := currentUser()
	if err != nil {
		return ""
	}
	who := accountName(user)
	if others := othersWith(path, readRights, user); len(others) > 0 {
		return fmt.Sprintf("%s can be read by other users (%s) and holds stream keys: run icacls \"%s\" /inheritance:r /grant:r \"%s:F\"",
			path, strings.Join(others, ", "), path, who)
	}
	dir := filepath.Dir(path)
	if others := othersWith(dir, dirRights, user); len(others) > 0 {
		return fmt.Sprintf("other users (%s) can replace files in %s: run icacls \"%s\" /inheritance:r /grant:r \"%s:(OI)(CI)F\"",
			strings.Join(others, ", "), dir, dir, who)
	}
	return ""
}

// othersWith names the accounts, other than the trusted ones, that the ACL
// of path allows any of rights. A missing ACL allows everyone everything.
func othersWith(path string, rights windows.ACCESS_MASK, user *windows.SID) []string {
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT,
		windows.OWNER_SECURITY_INFORMATION|windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return nil
	}
	dacl, _, err := sd.DACL()
	if errors.Is(err, windows.ERROR_OBJECT_NOT_FOUND) || (err == nil && dacl == nil) {
		return []string{"Everyone"}
	}
	if err != nil {
		return nil
	}
	owner, _, _ := sd.Owner()
	var names []string
	for i := uint32(0); i < uint32(dacl.AceCount); i++ {
		var ace *windows.ACCESS_ALLOWED_ACE
		if windows.GetAce(dacl, i, &ace) != nil {
			continue
		}
		if ace.Header.AceType != windows.ACCESS_ALLOWED_ACE_TYPE || ace.Header.AceFlags&windows.INHERIT_ONLY_ACE != 0 ||
			ace.Mask&rights == 0 {
			continue
		}
		sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
		if trusted(sid, user, owner) {
			continue
		}
		if name := accountName(sid); !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	return names
}

// trusted: the user, the file's owner, SYSTEM, Administrators and the
// "OWNER RIGHTS" placeholder.
func trusted(sid, user, owner *windows.SID) bool {
	if sid.Equals(user) || (owner != nil && sid.Equals(owner)) {
		return true
	}
	for _, known := range []windows.WELL_KNOWN_SID_TYPE{windows.WinLocalSystemSid, windows.WinBuiltinAdministratorsSid,
		windows.WinCreatorOwnerRightsSid} {
		if sid.IsWellKnown(known) {
			return true
		}
	}
	return false
}

// accountName is DOMAIN\name (or just name) for sid, or its S-1-… form
// prefixed with * as icacls takes it.
func accountName(sid *windows.SID) string {
	account, domain, _, err := sid.LookupAccount("")
	switch {
	case err != nil || account == "":
		return "*" + sid.String()
	case domain == "":
		return account
	default:
		return domain + `\` + account
	}
}
