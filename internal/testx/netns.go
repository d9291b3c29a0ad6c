package testx

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// inNetNS is set in the environment of a test re-run inside a private
// network namespace.
const inNetNS = "RELAYSTUDIO_TEST_IN_NETNS"

// nsSetup brings loopback up with multicast on and routes 224.0.0.0/4 to
// it: a multicast probe then reaches a responder in the same namespace, and
// nothing leaves it.
const nsSetup = `ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo && exec "$0" "$@"`

// InPrivateNetwork runs the calling test again in a private network
// namespace (unshare -n) that has only loopback, with multicast on it, and
// reports true inside that run. Outside it returns false once the inner run
// has finished, its output logged and its failure made the test's; the test
// should return then. Tests that send multicast use it so that nothing
// reaches a real network. Where no namespace can be made (no root, no
// unshare), the test is skipped with the reason.
//
//	if !testx.InPrivateNetwork(t) {
//		return
//	}
func InPrivateNetwork(t *testing.T) bool {
	t.Helper()
	if os.Getenv(inNetNS) == t.Name() {
		return true
	}
	for _, tool := range []string{"unshare", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no private network namespace: %s is not installed (make deps)", tool)
		}
	}
	if out, err := exec.Command("unshare", "-n", "true").CombinedOutput(); err != nil {
		t.Skipf("no private network namespace: unshare -n failed (needs root or user namespaces): %s", bytes.TrimSpace(out))
	}
	rerun(t, "its network namespace", inNetNS+"="+t.Name(), []string{"-n"}, nsSetup)
	return false
}

// smallDisk is set in the environment of a test re-run on a small disk:
// the test's name and the folder, NAME=DIR.
const smallDisk = "RELAYSTUDIO_TEST_SMALL_DISK"

// OnSmallDisk runs the calling test again in a private mount namespace
// (unshare -m) where a folder is a tmpfs of size bytes ("300k", "2m"), and
// returns that folder and true inside that run: writes there fail with
// ENOSPC once it is full, as on a full disk, and nothing outside is
// touched. Outside it returns "", false once the inner run has finished
// (see InPrivateNetwork); without root or unshare the test is skipped.
func OnSmallDisk(t *testing.T, size string) (string, bool) {
	t.Helper()
	if name, dir, ok := strings.Cut(os.Getenv(smallDisk), "="); ok && name == t.Name() {
		return dir, true
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("no private mount namespace: unshare is not installed (make deps)")
	}
	if out, err := exec.Command("unshare", "-m", "true").CombinedOutput(); err != nil {
		t.Skipf("no private mount namespace: unshare -m failed (needs root): %s", bytes.TrimSpace(out))
	}
	dir := t.TempDir()
	setup := `mount -t tmpfs -o size=` + size + ` tmpfs "$RELAYSTUDIO_SMALL_DIR" && exec "$0" "$@"`
	rerun(t, "its mount namespace", smallDisk+"="+t.Name()+"="+dir, []string{"-m", "--propagation", "private"},
		setup, "RELAYSTUDIO_SMALL_DIR="+dir)
	return "", false
}

// rerun runs the calling test again under unshare with flags, the shell
// setup run first inside, env added; it logs the inner run's output and
// makes its failure or skip the test's.
func rerun(t *testing.T, where, marker string, flags []string, setup string, env ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	args := append(flags, "--", "sh", "-c", setup, os.Args[0], "-test.run=^"+strings.ReplaceAll(t.Name(), "/", "$/^")+"$", "-test.count=1", "-test.v")
	cmd := exec.CommandContext(ctx, "unshare", args...)
	cmd.Env = append(append(os.Environ(), marker), env...)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	t.Logf("inside %s:\n%s", where, out)
	switch {
	case err == nil && bytes.Contains(out, []byte("--- SKIP: "+t.Name())):
		t.Skip("skipped inside " + where + " (see the log)")
	case err != nil:
		t.Fatalf("the test failed inside %s: %v", where, err)
	case !bytes.Contains(out, []byte("--- PASS: "+t.Name())):
		t.Fatalf("the test did not run inside %s", where)
	}
}
