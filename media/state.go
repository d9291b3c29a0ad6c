package media

// State is where a stream, or one destination of it, stands. The engine's
// publisher (media/rtmp) and its streams (media/relay) report the same
// states, so a destination's state is a stream's vocabulary too.
type State string

// States. A stream or a destination goes idle → connecting → live, may go
// retrying (or refused) and back, and ends stopped (closed) or failed (an
// error it cannot get past).
const (
	StateIdle       State = "idle"       // not started
	StateConnecting State = "connecting" // dialing, handshaking, waiting for the source
	StateLive       State = "live"       // media flows
	StateRetrying   State = "retrying"   // lost; waiting to reconnect (the reason says why and when)
	StateRefused    State = "refused"    // the key, the app or the certificate was refused
	StateStopped    State = "stopped"    // closed
	StateFailed     State = "failed"     // ended by an error that retrying cannot fix
)
