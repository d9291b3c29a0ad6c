//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/internal/testpeer/fakecam"
	"github.com/relaystudio/relaystudio/internal/testpeer/ingest"
	"github.com/relaystudio/relaystudio/internal/testx"
)

// Each process of a comparison runs benchWarm before its CPU is counted
// (connecting, ffmpeg's stream analysis, the encoder's first pictures) and
// is then measured for benchRun of steady state, which is what a relay
// that runs for days costs.
const (
	benchWarm = 5 * time.Second
	benchRun  = 15 * time.Second
)

// benchRounds is how many times each side runs in a comparison, taking
// turns (A B A B …) so that a noisy neighbour hurts both.
const benchRounds = 3

// procUsage is what one process cost.
type procUsage struct {
	cpu    time.Duration // user + system, during benchRun
	rssMB  float64       // peak resident set (the largest of the processes)
	frames int           // video frames the ingest recorded, whole run
}

// benchPeers is the shared camera (a looped 1080p30 H.264 + AAC clip) and
// ingest (nginx-rtmp) every comparison uses.
type benchPeers struct {
	bin   string
	cam   *fakecam.Camera
	nginx *ingest.Nginx
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// clips holds the camera clips encoded so far, by shape name: several
// benchmarks use the same shapes.
var (
	clipsMu sync.Mutex
	clips   = map[string]fakecam.Clip{}
)

// plainShape is the project's own clip (x264 ultrafast, one slice).
var plainShape = fakecam.Shapes(benchClip)[0]

// benchClip is the length of the camera's looped clip.
const benchClip = 10 * time.Second

func setupPeers(b *testing.B, shape fakecam.Shape) *benchPeers {
	b.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		b.Skip("ffmpeg is not installed: run make deps")
	}
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "relaystudio-bench")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "relaystudio")
		out, err := exec.Command("go", "build", "-trimpath", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		b.Fatal(binErr)
	}
	clipsMu.Lock()
	clip, ok := clips[shape.Name]
	clipsMu.Unlock()
	if !ok {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		var err error
		if clip, err = fakecam.EncodeClip(ctx, shape.Clip); err != nil {
			b.Fatal(err)
		}
		clipsMu.Lock()
		clips[shape.Name] = clip
		clipsMu.Unlock()
	}
	cam := &fakecam.Camera{ParamsInSDP: true}
	clip.Apply(cam)
	if err := cam.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(cam.Close)
	return &benchPeers{bin: binPath, cam: cam, nginx: ingest.StartNginx(b, ingest.Options{})}
}

// measure runs a relay process for benchRun, stops it the way a person
// would (SIGINT), checks that it delivered, and returns what it cost.
func (p *benchPeers) measure(b *testing.B, key string, name string, args ...string) procUsage {
	b.Helper()
	u, stderr := runAll(b, command{name, args})
	u.frames = p.delivered(b, key, name, stderr)
	return u
}

// command is one process of a measurement.
type command struct {
	name string
	args []string
}

// runAll starts the commands together, lets them warm up, measures their
// CPU time over benchRun, stops them the way a person would (SIGINT) and
// returns their CPU time summed, the largest peak RSS, and what they
// printed on stderr.
func runAll(b *testing.B, cmds ...command) (procUsage, string) {
	b.Helper()
	running := make([]*exec.Cmd, 0, len(cmds))
	// One buffer per process: exec copies each process's stderr on its own
	// goroutine.
	outs := make([]*strings.Builder, len(cmds))
	var stderr strings.Builder
	kill := func() {
		for _, c := range running {
			_ = c.Process.Kill()
			_ = c.Wait()
		}
	}
	for i, c := range cmds {
		cmd := exec.Command(c.name, c.args...)
		outs[i] = &strings.Builder{}
		cmd.Stderr = outs[i]
		if err := cmd.Start(); err != nil {
			kill()
			b.Fatal(err)
		}
		running = append(running, cmd)
	}
	cpuNow := func() time.Duration {
		var sum time.Duration
		for i, c := range running {
			t, err := testx.PidCPU(c.Process.Pid)
			if err != nil {
				kill()
				b.Fatalf("%s died during the measurement: %v\n%s", cmds[i].name, err, outs[i])
			}
			sum += t
		}
		return sum
	}
	time.Sleep(benchWarm)
	start := cpuNow()
	time.Sleep(benchRun)
	u := procUsage{cpu: cpuNow() - start}
	for i, c := range running {
		rss, err := testx.PidPeakRSS(c.Process.Pid)
		if err != nil { // it has exited: a zombie has no memory
			kill()
			b.Fatalf("%s stopped during the measurement (%v):\n%s", cmds[i].name, err, outs[i])
		}
		u.rssMB = max(u.rssMB, rss)
	}
	for _, c := range running {
		_ = c.Process.Signal(syscall.SIGINT)
	}
	for i, c := range running {
		done := make(chan error, 1)
		go func() { done <- c.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = c.Process.Kill()
			<-done
			kill()
			b.Fatalf("%s did not stop on SIGINT", cmds[i].name)
		}
		stderr.WriteString(outs[i].String())
	}
	return u, stderr.String()
}

// delivered checks that a run published to live/key and returns the video
// frames nginx recorded.
func (p *benchPeers) delivered(b *testing.B, key, who, stderr string) int {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// At least 10 s of 2.5 Mb/s must have arrived, or the figures mean nothing.
	if err := p.nginx.WaitRecording(ctx, "live", key, 2_000_000); err != nil {
		b.Fatalf("%s delivered too little: %v\n%s", who, err, stderr)
	}
	rep, err := ingest.Probe(ctx, p.nginx.Recording("live", key))
	if err != nil || rep.VideoFrames == 0 {
		b.Fatalf("%s: reading back what arrived: %v (%v)", who, err, rep)
	}
	// Steady-state CPU is compared per second: both sides must have kept
	// the camera's rate (30 fps), or the cheaper one may just be dropping
	// pictures (a lower rate in the timestamps) or falling behind (fewer
	// pictures than the measured stretch alone needs).
	if rep.FPS < 29 || rep.VideoFrames < int(30*benchRun.Seconds()) {
		b.Fatalf("%s did not keep up: %d frames at %.1f fps in a run of %v\n%s", who, rep.VideoFrames, rep.FPS, benchWarm+benchRun, stderr)
	}
	return rep.VideoFrames
}

// compare alternates our relay and the ffmpeg CLI on the same job,
// benchRounds times each, and reports the ratios: CPU in steady state (both
// deliver the camera's 30 pictures a second, which delivered checks, so
// CPU per second is CPU per frame) and peak RSS.
func compare(b *testing.B, job string, shape fakecam.Shape, ours, ffmpeg func(in, out string) []string) {
	p := setupPeers(b, shape)
	var o, f procUsage
	add := func(sum *procUsage, u procUsage) {
		sum.cpu += u.cpu
		sum.frames += u.frames
		sum.rssMB = max(sum.rssMB, u.rssMB)
	}
	for i := 0; i < b.N; i++ {
		for round := range benchRounds {
			k := fmt.Sprintf("ours-%d-%d", i, round)
			add(&o, p.measure(b, k, p.bin, ours(p.cam.URL(), p.nginx.URL("live", k))...))
			k = fmt.Sprintf("ffmpeg-%d-%d", i, round)
			add(&f, p.measure(b, k, "ffmpeg", ffmpeg(p.cam.URL(), p.nginx.URL("live", k))...))
		}
	}
	runs := float64(benchRounds * b.N)
	perFrame := func(u procUsage) float64 { return u.cpu.Seconds() / (runs * benchRun.Seconds() * 30) }
	cpuRatio := perFrame(o) / perFrame(f)
	rssRatio := o.rssMB / f.rssMB
	b.ReportMetric(cpuRatio, "cpu-ratio")
	b.ReportMetric(rssRatio, "rss-ratio")
	b.ReportMetric(perFrame(o)*1000, "ours-cpu-ms/frame")
	b.ReportMetric(perFrame(f)*1000, "ffmpeg-cpu-ms/frame")
	pct := func(u procUsage) float64 { return u.cpu.Seconds() / (runs * benchRun.Seconds()) * 100 }
	fmt.Printf("%s, camera %s (%d runs each of %v after %v warm-up, taking turns):\n"+
		"  CPU per frame: ours %.2f ms (%.1f %% of a core) / ffmpeg %.2f ms (%.1f %%) = %.2f\n"+
		"  peak RSS: ours %.0f MB / ffmpeg %.0f MB = %.2f\n",
		job, shape.Name, int(runs), benchRun, benchWarm, perFrame(o)*1000, pct(o), perFrame(f)*1000, pct(f), cpuRatio,
		o.rssMB, f.rssMB, rssRatio)
}

func ffmpegArgs(in string, codec []string, out string) []string {
	args := []string{"-nostdin", "-hide_banner", "-loglevel", "error", "-rtsp_transport", "tcp", "-i", in}
	return append(append(args, codec...), "-f", "flv", out)
}

// eachShape runs fn as a sub-benchmark for every camera shape.
func eachShape(b *testing.B, fn func(b *testing.B, shape fakecam.Shape)) {
	for _, sh := range fakecam.Shapes(benchClip) {
		b.Run(sh.Name, func(b *testing.B) { fn(b, sh) })
	}
}

// BenchmarkVsFFmpegCopy: a copy relay of a 1080p30 camera, for every shape.
func BenchmarkVsFFmpegCopy(b *testing.B) {
	eachShape(b, func(b *testing.B, sh fakecam.Shape) {
		compare(b, "copy relay 1080p30", sh,
			func(in, out string) []string {
				return []string{"relay", "--input", in, "--output", out, "--rtsp-transport", "tcp", "--audio", "copy"}
			},
			func(in, out string) []string { return ffmpegArgs(in, []string{"-c", "copy"}, out) })
	})
}

// oursTranscode is our relay's command line for the transcode job: 1080p30
// → 720p30 at 2.5 Mb/s, x264 veryfast, to every output.
func oursTranscode(in string, outs ...string) []string {
	args := []string{"relay", "--input", in, "--rtsp-transport", "tcp",
		"--video", "h264", "--size", "1280x720", "--fps", "30", "--bitrate", "2500k", "--preset", "veryfast",
		"--keyint", "2s", "--audio", "copy"}
	for _, o := range outs {
		args = append(args, "--output", o)
	}
	return args
}

// ffmpegTranscode is the ffmpeg CLI's codec options for the same job, with
// the same x264 settings.
var ffmpegTranscode = []string{
	"-vf", "scale=1280:720", "-r", "30", "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency",
	"-profile:v", "main", "-bf", "0", "-b:v", "2500k", "-maxrate", "2500k", "-bufsize", "2500k",
	"-x264-params", "keyint=60:min-keyint=60:scenecut=0:nal-hrd=cbr:force-cfr=1", "-c:a", "copy",
}

// BenchmarkVsFFmpegTranscode: 1080p30 → 720p30 at 2.5 Mb/s, x264 veryfast,
// with the same x264 settings on both sides.
func BenchmarkVsFFmpegTranscode(b *testing.B) {
	eachShape(b, func(b *testing.B, sh fakecam.Shape) {
		compare(b, "transcode relay 1080p30 → 720p30 2.5 Mb/s veryfast", sh,
			func(in, out string) []string { return oursTranscode(in, out) },
			func(in, out string) []string { return ffmpegArgs(in, ffmpegTranscode, out) })
	})
}

// BenchmarkThreeDestinations: the transcode job sent to three destinations.
// Ours decodes and encodes once whatever the number of destinations, so
// three should cost about what one does; the usual way with the ffmpeg CLI
// is one process per destination, each doing the whole transcode. CPU is
// compared in steady state, as in compare (every destination gets the
// camera's 30 pictures a second).
func BenchmarkThreeDestinations(b *testing.B) {
	p := setupPeers(b, plainShape)
	var one, three, ffmpeg3 procUsage
	add := func(sum *procUsage, u procUsage) {
		sum.cpu += u.cpu
		sum.frames += u.frames
		sum.rssMB = max(sum.rssMB, u.rssMB)
	}
	// meanFrames checks that every key was delivered and returns the mean
	// number of frames recorded.
	meanFrames := func(keys []string, who, stderr string) int {
		total := 0
		for _, k := range keys {
			total += p.delivered(b, k, who, stderr)
		}
		return total / len(keys)
	}
	in := p.cam.URL()
	for i := 0; i < b.N; i++ {
		for round := range benchRounds {
			k := fmt.Sprintf("one-%d-%d", i, round)
			add(&one, p.measure(b, k, p.bin, oursTranscode(in, p.nginx.URL("live", k))...))

			var keys, urls []string
			for d := range 3 {
				k := fmt.Sprintf("three-%d-%d-%d", i, round, d)
				keys, urls = append(keys, k), append(urls, p.nginx.URL("live", k))
			}
			u, stderr := runAll(b, command{p.bin, oursTranscode(in, urls...)})
			u.frames = meanFrames(keys, "ours (three destinations)", stderr)
			add(&three, u)

			keys = keys[:0]
			var cmds []command
			for d := range 3 {
				k := fmt.Sprintf("ffmpeg3-%d-%d-%d", i, round, d)
				keys = append(keys, k)
				cmds = append(cmds, command{"ffmpeg", ffmpegArgs(in, ffmpegTranscode, p.nginx.URL("live", k))})
			}
			u, stderr = runAll(b, cmds...)
			u.frames = meanFrames(keys, "three ffmpeg processes", stderr)
			add(&ffmpeg3, u)
		}
	}
	runs := float64(benchRounds * b.N)
	perFrame := func(u procUsage) float64 { return u.cpu.Seconds() / (runs * benchRun.Seconds() * 30) }
	threeVsOne := perFrame(three) / perFrame(one)
	vsFFmpeg := perFrame(three) / perFrame(ffmpeg3)
	b.ReportMetric(threeVsOne, "three/one-cpu")
	b.ReportMetric(vsFFmpeg, "ours3/ffmpeg3-cpu")
	b.ReportMetric(perFrame(three)*1000, "ours3-cpu-ms/frame")
	fmt.Printf("transcode 1080p30 → 720p30 2.5 Mb/s veryfast to three destinations vs one, ours (%d runs each of %v after %v warm-up):\n"+
		"  CPU per frame: three %.2f ms / one %.2f ms = %.2f (target ≤ 1.1)\n",
		int(runs), benchRun, benchWarm, perFrame(three)*1000, perFrame(one)*1000, threeVsOne)
	fmt.Printf("same job to three destinations, ours (one process) vs ffmpeg (three processes at once, CPU summed):\n"+
		"  CPU per frame: ours %.2f ms / ffmpeg %.2f ms = %.2f (target ≤ 0.4); peak RSS ours %.0f MB, one ffmpeg %.0f MB\n",
		perFrame(three)*1000, perFrame(ffmpeg3)*1000, vsFFmpeg, three.rssMB, ffmpeg3.rssMB)
}

// soakRun is how long the soak benchmark relays.
const soakRun = 90 * time.Second

// soakGrowthLimitMB is the RSS growth past warm-up that counts as a leak.
const soakGrowthLimitMB = 15.0

// BenchmarkSoakRSS runs a transcode relay for soakRun and samples its
// resident memory every second: after warm-up it must stay flat (a leak of
// FFmpeg frames or packets shows as steady growth).
func BenchmarkSoakRSS(b *testing.B) {
	p := setupPeers(b, plainShape)
	for i := 0; i < b.N; i++ {
		key := fmt.Sprintf("soak-%d", i)
		cmd := exec.Command(p.bin, "relay", "--input", p.cam.URL(), "--output", p.nginx.URL("live", key),
			"--rtsp-transport", "tcp", "--video", "h264", "--size", "1280x720", "--bitrate", "2500k", "--audio", "aac")
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		var samples []float64 // MB, one per second
		tick := time.NewTicker(time.Second)
		for start := time.Now(); time.Since(start) < soakRun; {
			<-tick.C
			rss, err := testx.PidRSS(cmd.Process.Pid)
			if err != nil {
				tick.Stop()
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
				b.Fatalf("the relay died during the soak: %v", err)
			}
			samples = append(samples, rss)
		}
		tick.Stop()
		_ = cmd.Process.Signal(syscall.SIGINT)
		if err := cmd.Wait(); err != nil {
			b.Fatalf("relay exit: %v", err)
		}
		// Compare the second third with the last third: warm-up is over by
		// then (encoder buffers, GC heap target).
		third := len(samples) / 3
		mean := func(s []float64) float64 {
			t := 0.0
			for _, v := range s {
				t += v
			}
			return t / float64(len(s))
		}
		early, late := mean(samples[third:2*third]), mean(samples[2*third:])
		b.ReportMetric(early, "rss-early-MB")
		b.ReportMetric(late, "rss-late-MB")
		b.ReportMetric(late-early, "rss-growth-MB")
		fmt.Printf("soak, transcode relay for %v: RSS %.1f MB (second third) → %.1f MB (last third), growth %+.1f MB (limit %.0f MB)\n",
			soakRun, early, late, late-early, soakGrowthLimitMB)
		// A leaked frame a second at 720p is 1.4 MB/s: tens of MB over a
		// third of the run, far above the GC's and the allocators' noise.
		if late-early > soakGrowthLimitMB {
			b.Errorf("RSS grew by %.1f MB between the second and the last third of the soak: a leak", late-early)
		}
	}
}
