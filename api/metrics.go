package api

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/relaystudio/relaystudio/media/relay"
	"github.com/relaystudio/relaystudio/studio"
)

// The metrics' labels: the stream's and the destination's names as the
// person gave them (no URL, no key), a state, a reason.
var (
	streamLabels = []string{"stream"}
	destLabels   = []string{"stream", "destination"}
)

// states are every value of the state label, so a state's series exists
// (at 0) before the stream is in it.
var states = []relay.State{
	relay.StateIdle, relay.StateConnecting, relay.StateLive, relay.StateRetrying,
	relay.StateRefused, relay.StateStopped, relay.StateFailed,
}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("relaystudio_"+name, help, labels, nil)
}

// collector reads every stream's stats at each scrape: nothing is
// counted twice, and nothing runs between scrapes.
type collector struct {
	s *Server

	build, live, state, health, slate, uptime                  *prometheus.Desc
	inFPS, inBits, inFrames, inReconnects                      *prometheus.Desc
	outFPS, outBits, outAudioBits, speed, outFrames, dropped   *prometheus.Desc
	destUp, destState, destBits, destFPS, destBytes, destDrops *prometheus.Desc
	destReconnects                                             *prometheus.Desc
}

func newCollector(s *Server) *collector {
	withState := append(append([]string(nil), streamLabels...), "state")
	destWithState := append(append([]string(nil), destLabels...), "state")
	withReason := append(append([]string(nil), streamLabels...), "reason")
	return &collector{
		s:              s,
		build:          desc("build_info", "The studio's version (always 1).", "version"),
		live:           desc("stream_live", "1 while the stream sends to its destinations.", streamLabels...),
		state:          desc("stream_state", "1 for the stream's current state, 0 for the others.", withState...),
		health:         desc("stream_health", "The stream at a glance: 0 idle, 1 healthy, 2 needs a look, 3 not reaching its audience.", streamLabels...),
		slate:          desc("stream_on_slate", "1 while destinations get the slate because the camera is lost.", streamLabels...),
		uptime:         desc("stream_uptime_seconds", "Seconds since the stream went live (through reconnects).", streamLabels...),
		inFPS:          desc("input_frames_per_second", "Pictures a second the camera delivers.", streamLabels...),
		inBits:         desc("input_bytes_per_second", "Bytes a second the camera delivers.", streamLabels...),
		inFrames:       desc("input_frames_total", "Pictures received from the camera in this run.", streamLabels...),
		inReconnects:   desc("input_reconnects_total", "Camera sessions lost and retried in this run.", streamLabels...),
		outFPS:         desc("output_frames_per_second", "Pictures a second sent to destinations.", streamLabels...),
		outBits:        desc("output_bytes_per_second", "Video bytes a second sent to destinations.", streamLabels...),
		outAudioBits:   desc("output_audio_bytes_per_second", "Audio bytes a second sent to destinations.", streamLabels...),
		speed:          desc("encoder_speed_ratio", "Media time encoded per second of encoder work (below 1: falling behind); absent in copy mode.", streamLabels...),
		outFrames:      desc("output_frames_total", "Pictures sent in this run.", streamLabels...),
		dropped:        desc("frames_dropped_total", "Frames dropped in this run, by reason.", withReason...),
		destUp:         desc("destination_up", "1 while the destination is connected and live.", destLabels...),
		destState:      desc("destination_state", "1 for the destination's current state, 0 for the others.", destWithState...),
		destBits:       desc("destination_bytes_per_second", "Bytes a second sent to the destination.", destLabels...),
		destFPS:        desc("destination_frames_per_second", "Pictures a second sent to the destination.", destLabels...),
		destBytes:      desc("destination_sent_bytes_total", "Bytes sent to the destination in this run.", destLabels...),
		destDrops:      desc("destination_dropped_frames_total", "Frames lost because the destination did not keep up.", destLabels...),
		destReconnects: desc("destination_reconnects_total", "Connections to the destination lost and retried.", destLabels...),
	}
}

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		c.build, c.live, c.state, c.health, c.slate, c.uptime, c.inFPS, c.inBits, c.inFrames, c.inReconnects,
		c.outFPS, c.outBits, c.outAudioBits, c.speed, c.outFrames, c.dropped,
		c.destUp, c.destState, c.destBits, c.destFPS, c.destBytes, c.destDrops, c.destReconnects,
	} {
		ch <- d
	}
}

// kbpsToBytes turns the stats' kb/s into the bytes a second Prometheus
// wants (its base unit).
const kbpsToBytes = 1000.0 / 8

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Collect implements prometheus.Collector.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge(c.build, 1, c.s.opt.Version)
	seen := map[string]bool{}
	for _, v := range c.s.opt.Controller.Views() {
		name := v.Saved.Name
		if seen[strings.ToLower(name)] {
			continue // names are unique; a rename in flight must not make a duplicate series
		}
		seen[strings.ToLower(name)] = true
		st := v.Stream.Stats()
		live := v.Stream.Mode() == studio.Live
		h, _ := c.s.health.of(v.ID, st, live)
		state := st.State
		if state == "" {
			state = relay.StateIdle
		}
		gauge(c.live, b2f(live), name)
		for _, s := range states {
			gauge(c.state, b2f(s == state), name, string(s))
		}
		gauge(c.health, float64(h), name)
		gauge(c.slate, b2f(!st.SlateSince.IsZero()), name)
		gauge(c.uptime, st.UptimeSeconds, name)
		gauge(c.inFPS, st.Input.FPS, name)
		gauge(c.inBits, st.Input.BitrateKbps*kbpsToBytes, name)
		counter(c.inFrames, st.Input.Frames, name)
		counter(c.inReconnects, st.Input.Reconnects, name)
		gauge(c.outFPS, st.Video.FPS, name)
		gauge(c.outBits, st.Video.BitrateKbps*kbpsToBytes, name)
		gauge(c.outAudioBits, st.Audio.BitrateKbps*kbpsToBytes, name)
		if st.Video.Speed > 0 {
			gauge(c.speed, st.Video.Speed, name)
		}
		counter(c.outFrames, st.Video.Frames, name)
		for _, d := range []struct {
			reason string
			n      uint64
		}{
			{"input_overflow", st.Dropped.InputOverflow}, {"waiting_keyframe", st.Dropped.WaitingKeyframe},
			{"decode_errors", st.Dropped.DecodeErrors}, {"destinations", st.Dropped.Destinations},
		} {
			counter(c.dropped, d.n, name, d.reason)
		}
		for _, d := range st.Destinations {
			gauge(c.destUp, b2f(d.State == relay.StateLive), name, d.Name)
			for _, s := range states {
				gauge(c.destState, b2f(s == d.State), name, d.Name, string(s))
			}
			gauge(c.destBits, d.BitrateKbps*kbpsToBytes, name, d.Name)
			gauge(c.destFPS, d.FPS, name, d.Name)
			counter(c.destBytes, d.BytesSent, name, d.Name)
			counter(c.destDrops, d.Dropped, name, d.Name)
			counter(c.destReconnects, d.Reconnects, name, d.Name)
		}
	}
}

// newMetricsHandler serves the studio's metrics with the process's (CPU,
// memory, descriptors) and the Go runtime's (goroutines, GC).
func newMetricsHandler(s *Server) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		newCollector(s),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewGoCollector(),
	)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slogPrinter{s}, ErrorHandling: promhttp.ContinueOnError})
}

// slogPrinter hands promhttp's errors to the server's log.
type slogPrinter struct{ s *Server }

func (p slogPrinter) Println(v ...any) {
	p.s.log.Warn("metrics", "error", strings.TrimSpace(fmt.Sprintln(v...)))
}
