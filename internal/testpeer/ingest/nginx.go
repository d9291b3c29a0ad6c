// Package ingest is the test harness for everything that publishes RTMP: a
// real nginx-rtmp server started on a loopback port, a TLS front for RTMPS,
// and a read-back of what arrived through the ffprobe CLI.
//
// It lives under internal/testpeer/ and is imported only by tests and
// benchmarks (`make lint` fails if a product package imports it). It shells
// out to nginx, ffmpeg and ffprobe on purpose: the product must never do
// that, but checking our output with independent tools is the point here.
// StartNginx skips the calling test when nginx or its RTMP module is missing
// (`make deps` installs them).
package ingest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/internal/testx"
)

// RTMPModule is where Debian's libnginx-mod-rtmp installs the module.
const RTMPModule = "/usr/lib/nginx/modules/ngx_rtmp_module.so"

const (
	// startTimeout bounds how long nginx may take to bind its port.
	// nginx itself retries a busy port 5 times 500 ms apart.
	startTimeout = 10 * time.Second
	// stopTimeout is how long nginx gets to exit on SIGQUIT before SIGKILL.
	stopTimeout = 5 * time.Second
	// bindAttempts is how many free ports StartNginx tries: another process
	// can grab the port between our probe listener closing and nginx binding.
	bindAttempts = 5
)

// Options configures StartNginx.
type Options struct {
	// OnPublish decides whether a publish is accepted. nil accepts every
	// publish. When set, nginx calls it through its on_publish hook (a
	// loopback HTTP server owned by the Nginx); false answers HTTP 403 and
	// nginx drops the publisher. It runs on an HTTP handler goroutine.
	OnPublish func(app, key string) bool
	// Apps are the RTMP application names nginx serves; each records every
	// stream. It defaults to []string{"live"}. Names are letters, digits,
	// '-' and '_'.
	Apps []string
}

// Nginx is an nginx-rtmp server run by a test. It listens on a loopback port
// that stays the same across Stop and Restart, and records every published
// stream to an .flv file (see Recording). The test's cleanup stops it.
type Nginx struct {
	tb     testing.TB
	bin    string // nginx executable
	dir    string // nginx prefix: config, logs, pid file
	recDir string // one sub-directory per app
	apps   []string
	hook   *publishHook // nil when every publish is accepted

	// mu serialises Stop and Restart so a process is never started while
	// another is being stopped.
	mu   sync.Mutex
	port int
	proc *nginxProcess // nil while stopped
}

// nginxProcess is one run of the nginx binary.
type nginxProcess struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd.Wait returned
	err  error         // cmd.Wait's result, valid after done
}

var appName = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// StartNginx starts nginx with the RTMP module on a free 127.0.0.1 port and
// waits until it accepts connections. The test is skipped when nginx or the
// module is not installed, and fails when nginx does not start. Cleanup
// stops nginx and everything StartNginx started.
//
// nginx runs in the foreground with master_process off: a single process
// that keeps the test's uid, so it can write recordings into the test's temp
// dir when running as root (workers would switch to "nobody") and cannot
// leave orphaned workers behind when it is killed.
func StartNginx(tb testing.TB, opt Options) *Nginx {
	tb.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		// Debian installs it in /usr/sbin, which is not in every user's PATH.
		if _, serr := os.Stat("/usr/sbin/nginx"); serr != nil {
			tb.Skip("nginx is not installed: run `make deps` (apt packages nginx libnginx-mod-rtmp)")
		}
		bin = "/usr/sbin/nginx"
	}
	if _, err := os.Stat(RTMPModule); err != nil {
		tb.Skipf("the nginx RTMP module is not installed (%s missing): run `make deps` (apt package libnginx-mod-rtmp)", RTMPModule)
	}
	apps := opt.Apps
	if len(apps) == 0 {
		apps = []string{"live"}
	}
	for _, a := range apps {
		if !appName.MatchString(a) {
			tb.Fatalf("ingest: app name %q: use letters, digits, '-' and '_'", a)
		}
	}

	dir := tb.TempDir()
	n := &Nginx{tb: tb, bin: bin, dir: dir, recDir: filepath.Join(dir, "rec"), apps: apps}
	for _, a := range apps {
		if err := os.MkdirAll(filepath.Join(n.recDir, a), 0o755); err != nil {
			tb.Fatalf("ingest: %v", err)
		}
	}
	if opt.OnPublish != nil {
		h, err := startPublishHook(opt.OnPublish)
		if err != nil {
			tb.Fatalf("ingest: on_publish hook: %v", err)
		}
		n.hook = h
		tb.Cleanup(h.close)
	}

	n.mu.Lock()
	defer n.mu.Unlock()
	for attempt := 1; ; attempt++ {
		n.port = testx.FreePort(tb)
		err := n.start()
		if err == nil {
			break
		}
		if !errors.Is(err, errPortBusy) || attempt == bindAttempts {
			tb.Fatalf("ingest: %v", err)
		}
	}
	tb.Cleanup(n.Stop)
	return n
}

// Addr returns nginx's RTMP address, "127.0.0.1:PORT".
func (n *Nginx) Addr() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(n.port))
}

// URL returns the RTMP URL to publish or play app/key:
// rtmp://127.0.0.1:PORT/app/key.
func (n *Nginx) URL(app, key string) string {
	return "rtmp://" + n.Addr() + "/" + app + "/" + key
}

// Recording returns the path of the .flv file nginx records for app/key.
// The file exists once a publish of that stream has started; a new publish
// of the same stream overwrites it.
func (n *Nginx) Recording(app, key string) string {
	return filepath.Join(n.recDir, app, key+".flv")
}

// WaitRecording waits until the recording of app/key holds at least
// minBytes, or ctx ends.
func (n *Nginx) WaitRecording(ctx context.Context, app, key string, minBytes int64) error {
	path := n.Recording(app, key)
	// nginx gives no notification when it writes; a short poll of the file
	// size is the only signal there is.
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		size := int64(-1)
		if fi, err := os.Stat(path); err == nil {
			size = fi.Size()
			if size >= minBytes {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			if size < 0 {
				return fmt.Errorf("recording for app %q: nothing was recorded (%v)", app, context.Cause(ctx))
			}
			return fmt.Errorf("recording for app %q: %d bytes, want at least %d (%v)", app, size, minBytes, context.Cause(ctx))
		case <-tick.C:
		}
	}
}

// Stop stops nginx: SIGQUIT, then SIGKILL if it has not exited after a few
// seconds. It waits for the process to exit and does nothing when nginx is
// already stopped. Connected clients see their connection close.
func (n *Nginx) Stop() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.stop()
}

// Restart stops nginx if it runs and starts it again on the same port, for
// reconnect tests. Call it from the test's goroutine: it fails the test when
// nginx does not come back.
func (n *Nginx) Restart() {
	n.tb.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	n.stop()
	if err := n.start(); err != nil {
		n.tb.Fatalf("ingest: restart: %v", err)
	}
}

func (n *Nginx) stop() {
	p := n.proc
	if p == nil {
		return
	}
	n.proc = nil
	// Signal errors mean the process is already gone; Wait has its status.
	_ = p.cmd.Process.Signal(syscall.SIGQUIT)
	t := time.NewTimer(stopTimeout)
	defer t.Stop()
	select {
	case <-p.done:
		return
	case <-t.C:
	}
	n.tb.Logf("ingest: nginx did not quit within %v, killing it", stopTimeout)
	_ = p.cmd.Process.Kill()
	<-p.done
}

var errPortBusy = errors.New("port busy")

// start writes the config for n.port, runs nginx and waits until it serves.
// It returns an error wrapping errPortBusy when the port was taken.
func (n *Nginx) start() error {
	conf := filepath.Join(n.dir, "nginx.conf")
	pidFile := filepath.Join(n.dir, "nginx.pid")
	errLog := filepath.Join(n.dir, "error.log")
	// A stale pid file from the previous run would look like readiness.
	if err := os.Remove(pidFile); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.WriteFile(conf, []byte(n.config(pidFile, errLog)), 0o644); err != nil {
		return err
	}
	out, err := os.OpenFile(filepath.Join(n.dir, "stderr.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer out.Close() // the child has its own copy of the descriptor

	// Log offsets, so an error shows only this run's messages.
	errStart, outStart := fileSize(errLog), fileSize(out.Name())

	cmd := exec.Command(n.bin, "-p", n.dir+"/", "-c", conf, "-e", errLog)
	cmd.Stdout, cmd.Stderr = out, out // *os.File: no copying goroutines
	cmd.SysProcAttr = sysProcAttr()
	p := &nginxProcess{cmd: cmd, done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		// The parent-death signal (sysProcAttr) fires when the forking OS
		// thread ends; keeping this goroutine locked to that thread until
		// nginx exits means no other goroutine can end it early.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		defer close(p.done)
		if err := cmd.Start(); err != nil {
			p.err = err
			started <- err
			return
		}
		started <- nil
		p.err = cmd.Wait()
	}()
	if err := <-started; err != nil {
		<-p.done
		return fmt.Errorf("start nginx: %w", err)
	}

	if err := n.waitReady(p, pidFile); err != nil {
		_ = cmd.Process.Kill()
		<-p.done
		msg := logTail(errLog, errStart) + logTail(out.Name(), outStart)
		if strings.Contains(msg, "Address already in use") {
			return fmt.Errorf("nginx on 127.0.0.1:%d: %w", n.port, errPortBusy)
		}
		return fmt.Errorf("nginx on 127.0.0.1:%d: %v\n%s", n.port, err, msg)
	}
	n.proc = p
	return nil
}

// waitReady returns once nginx has written its pid file (it does so only
// after binding its listeners, so a port grabbed by someone else cannot
// pass for nginx) and the port accepts connections.
func (n *Nginx) waitReady(p *nginxProcess, pidFile string) error {
	deadline := time.NewTimer(startTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	want := strconv.Itoa(p.cmd.Process.Pid)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(n.port))
	for {
		if b, err := os.ReadFile(pidFile); err == nil && strings.TrimSpace(string(b)) == want {
			if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
				c.Close()
				return nil
			}
		}
		select {
		case <-p.done:
			return fmt.Errorf("nginx exited at start (%v)", p.err)
		case <-deadline.C:
			return fmt.Errorf("nginx did not accept connections within %v", startTimeout)
		case <-tick.C:
		}
	}
}

// config renders nginx.conf for the current port.
func (n *Nginx) config(pidFile, errLog string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "load_module %s;\n", quote(RTMPModule))
	b.WriteString("daemon off;\nmaster_process off;\n")
	fmt.Fprintf(&b, "pid %s;\nerror_log %s info;\n", quote(pidFile), quote(errLog))
	b.WriteString("events { worker_connections 256; }\n")
	// The RTMP module opens an access log under /var/log/nginx by default,
	// which only root may write.
	fmt.Fprintf(&b, "rtmp {\n  access_log %s;\n  server {\n", quote(filepath.Join(n.dir, "access.log")))
	fmt.Fprintf(&b, "    listen 127.0.0.1:%d;\n    chunk_size 4096;\n", n.port)
	for _, a := range n.apps {
		// wait_key and wait_video make every player's stream start with a
		// keyframe and no audio before it, so a live read window (ProbeLive)
		// covers whole GOPs. They do not touch the recording.
		fmt.Fprintf(&b, "    application %s {\n      live on;\n      wait_key on;\n      wait_video on;\n", a)
		fmt.Fprintf(&b, "      record all;\n      record_path %s;\n      record_unique off;\n",
			quote(filepath.Join(n.recDir, a)))
		if n.hook != nil {
			fmt.Fprintf(&b, "      on_publish %s;\n", quote(n.hook.url))
		}
		b.WriteString("    }\n")
	}
	b.WriteString("  }\n}\n")
	return b.String()
}

// quote makes s one nginx config token.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

// fileSize returns the size of path, 0 when it does not exist.
func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// logTail returns the end of a log file from offset on, for error messages.
func logTail(path string, offset int64) string {
	b, err := os.ReadFile(path)
	if err != nil || int64(len(b)) <= offset {
		return ""
	}
	b = b[offset:]
	const max = 2048
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(b)
}
