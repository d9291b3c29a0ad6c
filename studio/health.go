package studio

import (
	"fmt"
	"strings"

	"github.com/relaystudio/relaystudio/media/relay"
)

// Health is the colour of a stream at a glance: the window's dot, the
// web monitor's badge and the relaystudio_stream_health metric.
type Health int

// Health levels, worst last.
const (
	HealthIdle  Health = iota // not running
	HealthGreen               // live, nothing to worry about
	HealthAmber               // running but something needs a look
	HealthRed                 // not reaching its audience
)

// String returns the colour's name.
func (h Health) String() string {
	switch h {
	case HealthGreen:
		return "green"
	case HealthAmber:
		return "amber"
	case HealthRed:
		return "red"
	}
	return "idle"
}

// HealthOf rates a stream from two consecutive stats snapshots (prev may be
// the zero value) and says why, in words for people. Dropped frames count
// only when they grew since prev, so one bad second does not stay amber.
func HealthOf(prev, cur relay.Stats, streaming bool) (Health, string) {
	// The camera is away but the slate keeps the destinations live: the
	// audience sees the slate, the broadcast goes on.
	if streaming && !cur.SlateSince.IsZero() && cur.State != relay.StateFailed && anyDestinationLive(cur) {
		return HealthAmber, OnSlate(cur) + ": camera lost: " + nonEmpty(cur.Input.Reason, cur.LastError, "reconnecting")
	}
	switch cur.State {
	case relay.StateFailed, relay.StateRefused:
		return HealthRed, nonEmpty(cur.Reason, cur.LastError, string(cur.State))
	case relay.StateIdle, relay.StateStopped, "":
		return HealthIdle, "not running"
	case relay.StateRetrying:
		return HealthRed, nonEmpty(cur.Reason, "retrying")
	}
	// The camera lost while sending: nothing reaches the audience.
	if in := cur.Input; streaming && in.Lost() {
		return HealthRed, "camera lost: " + nonEmpty(in.Reason, cur.LastError, "reconnecting")
	}
	if cur.State == relay.StateConnecting {
		return HealthAmber, nonEmpty(cur.Reason, "connecting")
	}
	// Live from here on: the stream reaches at least one destination, so
	// one that fails among several makes it amber, not red (the relay
	// reports retrying once none is live).
	var failing, amber []string
	live := 0
	if streaming {
		for _, d := range cur.Destinations {
			switch d.State {
			case relay.StateLive:
				live++
			case relay.StateRefused, relay.StateFailed, relay.StateRetrying:
				failing = append(failing, d.Name+": "+nonEmpty(d.Reason, d.LastError, string(d.State)))
			default:
				amber = append(amber, d.Name+": "+nonEmpty(d.Reason, string(d.State)))
			}
		}
	}
	if streaming && len(cur.Destinations) > 0 && live == 0 && len(failing) > 0 {
		return HealthRed, strings.Join(failing, "; ")
	}
	amber = append(failing, amber...)
	if n := cur.Dropped.Total() - prev.Dropped.Total(); prev.State != "" && n > 0 && cur.Dropped.Total() >= prev.Dropped.Total() {
		amber = append(amber, fmt.Sprintf("%d frames dropped in the last second", n))
	}
	if cur.Video.Speed > 0 && cur.Video.Speed < 1 {
		amber = append(amber, fmt.Sprintf("encoder too slow (%.2fx real time): choose a faster preset, a smaller size, or a lighter preview (5 fps, under the picture)", cur.Video.Speed))
	}
	amber = append(amber, cur.Warnings...)
	if rec := cur.Recording; streaming && rec != nil && rec.Error != "" {
		amber = append(amber, "recording stopped: "+rec.Error)
	}
	switch {
	case len(amber) > 0:
		return HealthAmber, strings.Join(amber, "; ")
	case !streaming:
		return HealthGreen, "previewing (not streaming)"
	}
	return HealthGreen, "live and healthy"
}

func nonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// OnSlate words the slate's state: "on slate since 12:03".
func OnSlate(st relay.Stats) string {
	return "on slate since " + st.SlateSince.Local().Format("15:04")
}

func anyDestinationLive(st relay.Stats) bool {
	for _, d := range st.Destinations {
		if d.State == relay.StateLive {
			return true
		}
	}
	return false
}
