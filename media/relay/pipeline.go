package relay

// The pipeline goroutine: it takes what the camera sends from the inbox
// and the output changes of SetOutput, one at a time, and is the only
// writer of the decoders, the renditions and the outputState that Stats
// reads. Rendition setup is in rendition.go, the per-frame path in
// frames.go, timing in timing.go.

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/relaystudio/relaystudio/media"
	"github.com/relaystudio/relaystudio/media/codec"
	"github.com/relaystudio/relaystudio/media/record"
)

// pipeline is the state owned by the pipeline goroutine: decoders, the
// current tracks, and timing used for stats.
type pipeline struct {
	r *Relay

	tracks    media.Tracks
	hasTracks bool

	// out is what Stats reads, published by publish after every change
	// (changed) as one snapshot: the pipeline is its only writer.
	out     outputState
	changed bool

	dec         *codec.VideoDecoder
	decNeedsKey bool

	lastKey     time.Duration
	haveKey     bool
	lastPTS     time.Duration
	ptsDeltas   []time.Duration
	needKey     bool // the pipeline lost video and waits for a keyframe
	audioWarned bool

	// Timestamps stay monotonic across camera sessions, which each start
	// at zero: units of a new session are shifted past the last one sent.
	sessions int
	rebase   bool
	offset   time.Duration
	lastOut  time.Duration

	slate slateState
}

func (r *Relay) runPipeline() {
	defer r.wg.Done()
	p := newPipeline(r)
	defer p.close()
	for {
		var err error
		select {
		case <-r.ctx.Done():
			return
		case now := <-p.slateTick():
			err = p.onSlateTick(now)
		case <-r.outputSet:
			if ch := r.newOutput.Swap(nil); ch != nil {
				err = p.setOutput(*ch)
			}
			if ds := r.newDests.Swap(nil); ds != nil {
				p.setDestinations(*ds)
			}
			if rc := r.newRecord.Swap(nil); rc != nil {
				p.setRecord(*rc)
			}
			if oc := r.newOverlay.Swap(nil); oc != nil {
				for _, rd := range r.rends {
					rd.overlayCfg = *oc
					p.attachOverlay(rd)
				}
			}
		case it := <-r.inbox:
			switch it.kind {
			case itemTracks:
				err = p.onTracks(it.session, it.tracks)
			case itemVideo:
				err = p.onVideo(it.video)
			case itemAudio:
				err = p.onAudio(it.audio)
			}
		}
		if p.changed {
			p.publish()
		}
		if err != nil {
			r.fail(err)
			return
		}
	}
}

// newPipeline starts from what the relay has published so far.
func newPipeline(r *Relay) *pipeline {
	p := &pipeline{r: r, needKey: true, out: *r.output.Load()}
	if !r.cfg.Slate.Off && len(r.rends) > 0 {
		p.slate.enabled = true
		p.slate.lastPicture = time.Now()
		p.slate.ticker = time.NewTicker(slateCheck)
	}
	return p
}

// publish hands Stats a copy of p.out.
func (p *pipeline) publish() {
	p.changed = false
	p.r.output.Store(new(p.out))
}

// Changes to what Stats reads; runPipeline publishes them after the item
// that made them.

func (p *pipeline) setOutSize(w, h int) {
	p.out.outW, p.out.outH, p.changed = w, h, true
}

func (p *pipeline) setAudioOut(codec string) {
	p.out.audioOut, p.changed = codec, true
}

// warn logs a condition a person should fix, once, and lists it in Stats.
func (p *pipeline) warn(w string) {
	if slices.Contains(p.out.warnings, w) {
		return
	}
	// Clip: a snapshot already published keeps its own array. Published
	// at once: a person should see it as soon as the log does.
	p.out.warnings = append(slices.Clip(p.out.warnings), w)
	p.publish()
	p.r.log.Warn(w)
}

// close frees every codec context; it runs on the pipeline goroutine.
func (p *pipeline) close() {
	p.closeDecoder()
	if p.slate.ticker != nil {
		p.slate.ticker.Stop()
	}
	for _, rd := range p.r.rends {
		rd.closeCodecs()
		rd.slate.close()
	}
	p.r.preview.closeConverter()
	p.r.still.closeConverter()
}

func (p *pipeline) closeDecoder() {
	if p.dec != nil {
		p.dec.Close()
		p.dec = nil
	}
}

// onTracks (re)configures every rendition for a new source session.
func (p *pipeline) onTracks(session uint64, t media.Tracks) error {
	r := p.r
	if t.Video == nil {
		return errors.New("the camera sends no video this relay can use (H.264 or H.265)")
	}
	p.tracks, p.hasTracks = t, true
	p.sessions++
	p.rebase = p.sessions > 1
	p.closeDecoder()
	p.needKey = true
	p.ptsDeltas = p.ptsDeltas[:0]
	p.haveKey = false

	p.out.session, p.out.tracks, p.changed = session, t, true

	v := t.Video
	desc := fmt.Sprintf("%s %dx%d", v.Codec, v.Width, v.Height)
	if v.FPS > 0 {
		desc += fmt.Sprintf(" %gfps", math.Round(v.FPS*100)/100)
	}
	audio := "no audio"
	if t.Audio != nil {
		audio = fmt.Sprintf("%s %d Hz %d ch", t.Audio.Codec, t.Audio.SampleRate, t.Audio.Channels)
	}
	r.log.Info("source connected", "video", desc, "audio", audio)

	if p.out.videoMode == VideoCopy {
		p.setOutSize(v.Width, v.Height) // what copy sends, destinations or not
	}
	for _, rd := range r.rends {
		if err := p.configure(rd); err != nil {
			return err
		}
	}
	return nil
}

// setOutput applies SetOutput: every rendition takes the new settings and
// is configured again; connections stay up.
func (p *pipeline) setOutput(ch outputChange) error {
	r := p.r
	p.out.videoMode, p.out.audioMode, p.changed = ch.video.Mode, ch.audio.Mode, true
	desc := string(ch.video.Mode)
	if ch.video.Mode == VideoH264 {
		desc = fmt.Sprintf("h264 %s %s %s", ch.video.Size, media.FormatBitrate(ch.video.Bitrate), ch.video.Preset)
	}
	r.log.Info("output settings changed: the encoder restarts, destinations stay connected", "video", desc, "audio", string(ch.audio.Mode))
	for _, rd := range r.rends {
		rd.video, rd.audio = ch.video, ch.audio
	}
	if p.slate.on {
		p.resetSlate() // made again, at the next tick, with the new settings
	}
	if !p.hasTracks {
		return nil // applied when the camera's tracks arrive
	}
	if ch.video.Mode == VideoCopy {
		p.setOutSize(p.tracks.Video.Width, p.tracks.Video.Height)
	}
	for _, rd := range r.rends {
		if err := p.configure(rd); err != nil {
			return err
		}
	}
	return nil
}

// wantDecode reports whether frames are needed: for a transcode or for a
// watched preview or snapshot. In copy mode without either nothing is
// decoded.
func (p *pipeline) wantDecode() bool {
	if p.r.preview.active() || p.r.still.active() {
		return true
	}
	for _, rd := range p.r.rends {
		if rd.video.Mode != VideoCopy && !rd.encFailed {
			return true
		}
	}
	return false
}

// copying reports whether a rendition passes the camera's video through.
func (p *pipeline) copying() bool {
	for _, rd := range p.r.rends {
		if rd.video.Mode == VideoCopy {
			return true
		}
	}
	return false
}

// setDestinations applies SetDestinations: destinations that stay keep
// their connection, new ones start (with the current headers, so they
// begin at the next keyframe), and the ones left out are closed in the
// background.
func (p *pipeline) setDestinations(ds []Destination) {
	r := p.r
	rd := r.rends[0] // one rendition per stream for now
	keep := map[string]*destination{}
	for _, d := range rd.dests {
		keep[d.url+"\x00"+d.name] = d
	}
	var next, added []*destination
	for _, want := range ds {
		k := want.URL + "\x00" + want.Name
		if d, ok := keep[k]; ok {
			next = append(next, d)
			delete(keep, k)
			continue
		}
		d := r.newDestination(want)
		if err := d.pub.Start(); err != nil {
			// Validate has passed: this cannot happen, but the other
			// destinations must not suffer for it.
			r.log.Warn("destination not added", "destination", d.server, "error", err)
			continue
		}
		if h, ok := rd.headers(p.tracks); ok {
			d.pub.SetHeaders(h)
		}
		next, added = append(next, d), append(added, d)
	}
	r.mu.Lock()
	stopping := r.closed || r.failed != nil
	if !stopping {
		rd.dests = next
		all := slices.Clone(next)
		r.dests.Store(&all)
	}
	r.mu.Unlock()
	gone := slices.Collect(maps.Values(keep))
	if stopping {
		gone = added // Close has the old list: these are ours to close
	}
	for _, d := range gone {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			d.pub.Close()
		}()
	}
	if !stopping {
		r.log.Info("destinations changed: the camera and the other destinations carry on", "added", len(added), "removed", len(gone), "destinations", len(next))
	}
}

// setRecord applies SetRecord: the recording in progress ends (its file
// closed in the background) and a new one, if asked, starts with the
// current headers at the next keyframe.
func (p *pipeline) setRecord(rc RecordConfig) {
	r := p.r
	rd := r.rends[0]
	old := rd.rec
	if old != nil && rc.Dir != "" && old.Dir == rc.Dir && old.Split == rc.Split {
		return // the same recording
	}
	var rec *record.Recorder
	if rc.Dir != "" {
		rec = r.newRecorder(rc)
		r.startRecorder(rec)
		if h, ok := rd.headers(p.tracks); ok {
			rec.SetHeaders(h)
		}
	}
	r.mu.Lock()
	stopping := r.closed || r.failed != nil
	if !stopping {
		rd.rec = rec
		r.rec.Store(rec)
	}
	r.mu.Unlock()
	gone := old
	if stopping {
		gone = rec // Close has the old one: this one is ours to close
	}
	if gone != nil {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			gone.Close()
		}()
	}
	if !stopping {
		if rec != nil {
			r.log.Info("recording", "dir", rc.Dir)
		} else {
			r.log.Info("recording stopped")
		}
	}
}
