package studio

import (
	"strings"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/media/relay"
)

func TestHealthOf(t *testing.T) {
	live := relay.Stats{State: relay.StateLive, Destinations: []relay.DestinationStats{{Name: "YT", State: relay.StateLive}}}
	dropped := live
	dropped.Dropped.Destinations = 5
	slow := live
	slow.Video.Speed = 0.7
	refused := live
	refused.Destinations = []relay.DestinationStats{{Name: "YT", State: relay.StateRefused, Reason: "stream key refused"}}
	oneOfTwo := live
	oneOfTwo.Destinations = []relay.DestinationStats{{Name: "YT", State: relay.StateLive}, {Name: "TW", State: relay.StateRefused, Reason: "stream key refused"}}
	cases := []struct {
		name      string
		prev, cur relay.Stats
		streaming bool
		want      Health
		reason    string
	}{
		{"idle", relay.Stats{}, relay.Stats{State: relay.StateIdle}, false, HealthIdle, "not running"},
		{"live", live, live, true, HealthGreen, "live and healthy"},
		{"preview", live, relay.Stats{State: relay.StateLive}, false, HealthGreen, "previewing"},
		{"drops", live, dropped, true, HealthAmber, "5 frames dropped"},
		{"old drops", dropped, dropped, true, HealthGreen, "healthy"},
		{"slow encoder", live, slow, true, HealthAmber, "encoder too slow"},
		{"refused", live, refused, true, HealthRed, "stream key refused"},
		{"one of two refused", live, oneOfTwo, true, HealthAmber, "TW: stream key refused"},
		{"retrying", live, relay.Stats{State: relay.StateRetrying, Reason: "retrying in 4s: connection refused"}, true, HealthRed, "retrying in 4s"},
		{"failed", live, relay.Stats{State: relay.StateFailed, Reason: "wrong password"}, true, HealthRed, "wrong password"},
		{"connecting", relay.Stats{}, relay.Stats{State: relay.StateConnecting}, true, HealthAmber, "connecting"},
		{"camera lost", live, relay.Stats{State: relay.StateConnecting, Reason: "waiting for the source", LastError: "sent no video for 5s",
			Input: relay.InputStats{State: relay.StateConnecting, Reconnects: 1}}, true, HealthRed, "camera lost: sent no video"},
		{"on slate", live, relay.Stats{State: relay.StateRetrying, Reason: "retrying in 1s: connection refused", SlateSince: time.Date(2026, 12, 1, 12, 3, 0, 0, time.Local),
			Input:        relay.InputStats{State: relay.StateRetrying, Reason: "retrying in 1s: connection refused", Reconnects: 1},
			Destinations: []relay.DestinationStats{{Name: "YT", State: relay.StateLive}}}, true, HealthAmber, "on slate since 12:03: camera lost: retrying in 1s"},
		{"on slate, destination down", live, relay.Stats{State: relay.StateRetrying, Reason: "retrying in 1s: connection refused", SlateSince: time.Now(),
			Destinations: []relay.DestinationStats{{Name: "YT", State: relay.StateRetrying}}}, true, HealthRed, "retrying in 1s"},
	}
	for _, c := range cases {
		h, why := HealthOf(c.prev, c.cur, c.streaming)
		if h != c.want || !strings.Contains(why, c.reason) {
			t.Errorf("%s: got %v %q, want %v containing %q", c.name, h, why, c.want, c.reason)
		}
	}
}
