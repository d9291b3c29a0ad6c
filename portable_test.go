package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/internal/testpeer/ingest"
	"github.com/relaystudio/relaystudio/media/relay"
)

// TestPortableTarballInDebianRoot runs the portable tarball where no FFmpeg
// library exists: in a minimal Debian 12 root (debootstrap minbase plus the
// GL/X11 client libraries) it prints its version, describes the test
// pattern and relays it for 5 s to nginx-rtmp on the host's loopback (a
// chroot shares the network), which ffprobe reads back. make test sets
// RELAYSTUDIO_PORTABLE_TARBALL (made by make package) and
// RELAYSTUDIO_DEBIAN_ROOT (made by .ci/debian-root.sh); without them the
// test has nothing to try.
func TestPortableTarballInDebianRoot(t *testing.T) {
	tarball, root := os.Getenv("RELAYSTUDIO_PORTABLE_TARBALL"), os.Getenv("RELAYSTUDIO_DEBIAN_ROOT")
	if tarball == "" || root == "" {
		t.Skip("set RELAYSTUDIO_PORTABLE_TARBALL and RELAYSTUDIO_DEBIAN_ROOT (make test does)")
	}
	if os.Geteuid() != 0 {
		t.Fatal("chroot needs root")
	}
	for _, pattern := range []string{"libav*.so*", "libsw*.so*", "libx264*.so*"} {
		if found, _ := filepath.Glob(filepath.Join(root, "usr/lib/x86_64-linux-gnu", pattern)); len(found) > 0 {
			t.Fatalf("the root has FFmpeg libraries, so it proves nothing: %v", found)
		}
	}
	// Extract as a person would, into a folder of the root's /tmp.
	dir, err := os.MkdirTemp(filepath.Join(root, "tmp"), "portable-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if out, err := exec.Command("tar", "-xJf", tarball, "-C", dir).CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, out)
	}
	bins, _ := filepath.Glob(filepath.Join(dir, "relaystudio-*", "relaystudio"))
	if len(bins) != 1 {
		t.Fatalf("the tarball has no relaystudio-*/relaystudio: %v", bins)
	}
	inRoot := strings.TrimPrefix(bins[0], filepath.Clean(root)) // its path inside the root
	env := []string{"PATH=/usr/bin:/bin", "HOME=/tmp", "LANG=C.UTF-8"}
	chroot := func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, "chroot", append([]string{root, inRoot}, args...)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	out, err := chroot("--version")
	if err != nil || !strings.Contains(out, "built with FFmpeg 5.1") {
		t.Fatalf("--version in the root: %v\n%s", err, out)
	}
	out, err = chroot("probe", "test://pattern")
	if err != nil || !strings.Contains(out, "h264 1280x720") || !strings.Contains(out, "aac 48000 Hz") {
		t.Fatalf("probe test://pattern in the root: %v\n%s", err, out)
	}

	n := ingest.StartNginx(t, ingest.Options{})
	const key = "portable-3c4d"
	start := time.Now()
	r := runRelayBinary(t, "chroot", env, func(_ string, s relay.Stats) bool {
		return time.Since(start) >= 5*time.Second
	}, root, inRoot, "relay", "--input", "test://pattern", "--output", n.URL("live", key),
		"--video", "h264", "--size", "640x360", "--bitrate", "800k", "--stats", "500ms")
	if r.exitErr != nil {
		t.Fatalf("the relay in the root: %v\n%s", r.exitErr, r.stderr)
	}
	if len(r.last.Destinations) != 1 || r.last.Destinations[0].State != relay.StateLive {
		t.Fatalf("the relay in the root never went live: %+v\n%s", r.last, r.stderr)
	}
	checkArrived(t, n, key, 3*time.Second)
}
