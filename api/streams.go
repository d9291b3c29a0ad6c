package api

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/relaystudio/relaystudio/media"
	"github.com/relaystudio/relaystudio/media/relay"
	"github.com/relaystudio/relaystudio/settings"
	"github.com/relaystudio/relaystudio/studio"
)

// Stream is a stream as the API shows it. It holds no stream key and no
// password: keys are masked, URLs redacted.
type Stream struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Source string `json:"source"`
	// Mode: off, preview or live.
	Mode string `json:"mode"`
	// State is the relay's (idle when off).
	State  relay.State `json:"state"`
	Health string      `json:"health"` // idle, green, amber, red
	// HealthReason says why, in words for people.
	HealthReason string        `json:"health_reason"`
	Error        string        `json:"error,omitempty"` // why the last start failed
	Output       Output        `json:"output"`
	Destinations []Destination `json:"destinations"`
	// HLS is the path of its Local HLS playlist while it serves one.
	HLS   string      `json:"hls,omitempty"`
	Stats relay.Stats `json:"stats"`
}

// Output is the video a stream sends, as saved.
type Output struct {
	Mode    string  `json:"mode"` // copy or h264
	Size    string  `json:"size"` // "" in copy mode or at the camera's size
	FPS     float64 `json:"fps"`
	Bitrate string  `json:"bitrate"`
	Preset  string  `json:"preset"`
}

// Destination is a saved destination with its live state.
type Destination struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Kind    string `json:"kind"`             // rtmp or hls
	Server  string `json:"server,omitempty"` // redacted
	Key     string `json:"key,omitempty"`    // masked
	Enabled bool   `json:"enabled"`
	State   string `json:"state"`
	// Stats while the stream sends there.
	Stats *relay.DestinationStats `json:"stats,omitempty"`
}

// view finds the stream of the request's {id}, or answers 404.
func (s *Server) view(w http.ResponseWriter, r *http.Request) (studio.View, bool) {
	id := r.PathValue("id")
	for _, v := range s.opt.Controller.Views() {
		if v.ID == id {
			return v, true
		}
	}
	writeError(w, http.StatusNotFound, "no stream has the id %q: list them with GET /api/v1/streams", id)
	return studio.View{}, false
}

func (s *Server) listStreams(w http.ResponseWriter, r *http.Request) {
	views := s.opt.Controller.Views()
	out := make([]Stream, len(views))
	for i, v := range views {
		out[i] = s.stream(v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"streams": out})
}

func (s *Server) getStream(w http.ResponseWriter, r *http.Request) {
	if v, ok := s.view(w, r); ok {
		writeJSON(w, http.StatusOK, s.stream(v))
	}
}

// stream shows v.
func (s *Server) stream(v studio.View) Stream {
	st := v.Stream.Stats()
	mode := v.Stream.Mode()
	h, why := s.health.of(v.ID, st, mode == studio.Live)
	state := st.State
	if state == "" {
		state = relay.StateIdle
	}
	out := Stream{
		ID: v.ID, Name: v.Saved.Name, Source: media.RedactURL(v.Saved.Source),
		Mode: mode.String(), State: state, Health: h.String(), HealthReason: why,
		Output: Output{
			Mode: v.Saved.Video.Mode, Size: v.Saved.Video.Size, FPS: v.Saved.Video.FPS,
			Bitrate: v.Saved.Video.Bitrate, Preset: v.Saved.Video.Preset,
		},
		Destinations: []Destination{},
		Stats:        st,
	}
	if v.Saved.IsTestPattern() {
		out.Source = v.Saved.Source
	}
	if err := v.Stream.Err(); err != nil {
		out.Error = err.Error()
	}
	ids := studio.DestinationIDs(v.Saved.Destinations)
	for j, d := range v.Saved.Destinations {
		dv := Destination{ID: ids[j], Name: d.Name, Kind: settings.DestinationRTMP, Enabled: d.Enabled, State: "off"}
		if d.IsLocalHLS() {
			dv.Kind = settings.DestinationLocalHLS
		} else {
			dv.Server, dv.Key = media.RedactServerURL(d.URL), settings.MaskSecret(d.Key)
		}
		switch {
		case !d.Enabled:
		case mode != studio.Live:
			dv.State = "ready"
		case d.IsLocalHLS():
			if r := v.Stream.Relay(); r != nil && r.HLS() != nil {
				dv.State = string(relay.StateLive)
				out.HLS = "/hls/" + v.ID + "/index.m3u8"
			}
		default:
			for k := range st.Destinations {
				if ds := &st.Destinations[k]; strings.EqualFold(ds.Name, d.Name) {
					dv.State, dv.Stats = string(ds.State), ds
				}
			}
		}
		out.Destinations = append(out.Destinations, dv)
	}
	return out
}

func (s *Server) startStream(w http.ResponseWriter, r *http.Request) {
	v, ok := s.view(w, r)
	if !ok {
		return
	}
	if err := s.opt.Controller.Start(v.ID); err != nil {
		s.controlError(w, "cannot start "+v.Saved.Name, err)
		return
	}
	s.answerStream(w, v.ID)
}

func (s *Server) stopStream(w http.ResponseWriter, r *http.Request) {
	v, ok := s.view(w, r)
	if !ok {
		return
	}
	if err := s.opt.Controller.Stop(v.ID); err != nil && !errors.Is(err, studio.ErrNotLive) {
		s.controlError(w, "cannot stop "+v.Saved.Name, err)
		return
	}
	s.answerStream(w, v.ID)
}

// answerStream answers with the stream as it is now.
func (s *Server) answerStream(w http.ResponseWriter, id string) {
	for _, v := range s.opt.Controller.Views() {
		if v.ID == id {
			writeJSON(w, http.StatusOK, s.stream(v))
			return
		}
	}
	writeError(w, http.StatusNotFound, "the stream %q is gone (renamed or removed meanwhile)", id)
}

// controlError answers a controller's refusal: 404 for a stream gone
// meanwhile, 400 for settings the file refuses, 409 for the rest (the
// stream's state does not allow it).
func (s *Server) controlError(w http.ResponseWriter, what string, err error) {
	switch {
	case errors.Is(err, studio.ErrUnknownStream):
		writeError(w, http.StatusNotFound, "%s", err)
	case len(settings.Problems(err)) > 0, errors.As(err, new(*relay.FieldError)), errors.As(err, new(badValue)):
		writeError(w, http.StatusBadRequest, "%s: %s", what, settings.Summary(err))
	default:
		writeError(w, http.StatusConflict, "%s: %s", what, err)
	}
}

// fieldMessage is an engine settings error without its "invalid stream
// settings" prefix.
func fieldMessage(err error) string {
	var fe *relay.FieldError
	if errors.As(err, &fe) {
		return fe.Field + ": " + fe.Msg
	}
	return err.Error()
}

// badValue is a request's field the API itself refuses.
type badValue string

func (b badValue) Error() string { return string(b) }

// outputPatch is PATCH …/output: the fields to change.
type outputPatch struct {
	Mode    *string  `json:"mode"`
	Size    *string  `json:"size"`
	FPS     *float64 `json:"fps"`
	Bitrate *string  `json:"bitrate"`
	Preset  *string  `json:"preset"`
}

const outputFields = `"mode" (copy or h264), "size" (e.g. "1280x720", "" for the camera's), "fps", "bitrate" (e.g. "2500k") and "preset" (e.g. "veryfast")`

func (s *Server) patchOutput(w http.ResponseWriter, r *http.Request) {
	v, ok := s.view(w, r)
	if !ok {
		return
	}
	var p outputPatch
	if status, err := decodeBody(w, r, &p, outputFields); err != nil {
		writeError(w, status, "%s", err)
		return
	}
	if p == (outputPatch{}) {
		writeError(w, http.StatusBadRequest, "nothing to change: send one or more of %s", outputFields)
		return
	}
	err := s.opt.Controller.Update(v.ID, studio.ChangeOutput, func(st *settings.Stream) error {
		set := func(dst *string, src *string) {
			if src != nil {
				*dst = strings.TrimSpace(*src)
			}
		}
		set(&st.Video.Mode, p.Mode)
		set(&st.Video.Size, p.Size)
		set(&st.Video.Bitrate, p.Bitrate)
		set(&st.Video.Preset, p.Preset)
		if p.FPS != nil {
			st.Video.FPS = *p.FPS
		}
		if st.Video.Mode == settings.VideoCopy && (p.Size != nil || p.FPS != nil || p.Bitrate != nil || p.Preset != nil) && p.Mode == nil {
			return badValue(`the stream copies the camera's video: size, fps, bitrate and preset apply to "mode": "h264" (send it too)`)
		}
		if _, err := studio.EngineConfig(*st, nil); err != nil {
			return badValue(fieldMessage(err))
		}
		return nil
	})
	if err != nil {
		s.controlError(w, "cannot change the output of "+v.Saved.Name, err)
		return
	}
	s.answerStream(w, v.ID)
}

// destinationPatch is PATCH …/destinations/{dest}.
type destinationPatch struct {
	Enabled *bool `json:"enabled"`
}

func (s *Server) patchDestination(w http.ResponseWriter, r *http.Request) {
	v, ok := s.view(w, r)
	if !ok {
		return
	}
	dest := r.PathValue("dest")
	j := -1
	for k, id := range studio.DestinationIDs(v.Saved.Destinations) {
		if id == dest {
			j = k
		}
	}
	if j < 0 {
		writeError(w, http.StatusNotFound, "%s has no destination with the id %q: see its destinations with GET /api/v1/streams/%s", v.Saved.Name, dest, v.ID)
		return
	}
	var p destinationPatch
	if status, err := decodeBody(w, r, &p, `"enabled" (true or false)`); err != nil {
		writeError(w, status, "%s", err)
		return
	}
	if p.Enabled == nil {
		writeError(w, http.StatusBadRequest, `nothing to change: send {"enabled": true} or {"enabled": false}`)
		return
	}
	name := v.Saved.Destinations[j].Name
	err := s.opt.Controller.Update(v.ID, studio.ChangeDestinations, func(st *settings.Stream) error {
		for k := range st.Destinations {
			if st.Destinations[k].Name == name {
				st.Destinations[k].Enabled = *p.Enabled
				return nil
			}
		}
		return studio.ErrUnknownStream
	})
	if err != nil {
		s.controlError(w, "cannot change "+name, err)
		return
	}
	s.answerStream(w, v.ID)
}

// healthCache keeps each stream's previous stats, so that health sees
// drops that grew in the last second, however often it is asked.
type healthCache struct {
	mu sync.Mutex
	m  map[string]*healthSample
}

type healthSample struct {
	at        time.Time
	prev, cur relay.Stats
}

func newHealthCache() *healthCache { return &healthCache{m: map[string]*healthSample{}} }

func (c *healthCache) of(id string, cur relay.Stats, live bool) (studio.Health, string) {
	c.mu.Lock()
	now := time.Now()
	hs, ok := c.m[id]
	if !ok {
		hs = &healthSample{at: now, cur: cur}
		c.m[id] = hs
	} else if now.Sub(hs.at) >= time.Second {
		hs.prev, hs.cur, hs.at = hs.cur, cur, now
	}
	prev := hs.prev
	c.mu.Unlock()
	return studio.HealthOf(prev, cur, live)
}
