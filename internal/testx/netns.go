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
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	args := []string{"-n", "--", "sh", "-c", nsSetup, os.Args[0], "-test.run=^" + strings.ReplaceAll(t.Name(), "/", "$/^") + "$", "-test.count=1", "-test.v"}
	cmd := exec.CommandContext(ctx, "unshare", args...)
	cmd.Env = append(os.Environ(), inNetNS+"="+t.Name())
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	t.Logf("inside a private network namespace:\n%s", out)
	switch {
	case err == nil && bytes.Contains(out, []byte("--- SKIP: "+t.Name())):
		t.Skip("skipped inside its network namespace (see the log)")
	case err != nil:
		t.Fatalf("the test failed inside its network namespace: %v", err)
	case !bytes.Contains(out, []byte("--- PASS: "+t.Name())):
		t.Fatalf("the test did not run inside its network namespace")
	}
	return false
}
