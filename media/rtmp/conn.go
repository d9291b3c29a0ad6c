package rtmp

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/yutopp/go-amf0"
	gortmp "github.com/yutopp/go-rtmp"
	"github.com/yutopp/go-rtmp/handshake"
	"github.com/yutopp/go-rtmp/message"
)

// Why this file does not use go-rtmp's ClientConn: its Connect and
// CreateStream wait for the server's answer on a context.TODO(), so a server
// that completes the handshake and then closes (nginx does that for an
// unknown application) leaves Connect blocked forever, even after
// ClientConn.Close. Dial also hides the net.Conn, so nothing can put a
// deadline on the handshake.
//
// Nor does it write through go-rtmp's ChunkStreamer: its writer goroutine
// round-robins the chunks of different chunk streams, so a small audio
// message completes before a large keyframe sent earlier (FFmpeg and OBS
// write each message whole, and servers expect that order); it stops at the
// first error and lets later writes block forever (LIBRARIES.md §1.6); and
// it omits the extended timestamp in type-3 chunks (§1.4).
//
// So this file owns the net.Conn and uses go-rtmp for the rest:
// handshake.HandshakeWithServer, the ChunkStreamer's reader (chunk
// reassembly and message decoding, on one reader goroutine) and the message
// encoders. Chunks are written here, synchronously, by the owner goroutine:
// one message at a time, in order, each under a deadline. Closing the
// net.Conn unblocks everything. Publishing needs only five commands,
// written below; onStatus is decoded per connection, so the publish result
// is visible without go-rtmp's process-global CmdBodyDecoders hook.
//
// None of the go-rtmp code used here logs (the ChunkStreamer's logrus calls
// are in its ack sender, unreachable because we never lower the peer's ack
// window, and in go-rtmp's own Conn.Close), so the global logrus logger is
// left alone.

// Chunk stream ids: 2 and 3 are fixed by the spec for protocol control and
// commands; 4/6/8 follow FFmpeg's audio/video/data convention.
const (
	csidControl = 2
	csidCommand = 3
	csidAudio   = 4
	csidVideo   = 6
	csidData    = 8
)

const (
	// chunkSize is the size we announce with SetChunkSize. 4096 is what
	// FFmpeg and OBS use; it cuts header overhead and is far below the
	// limits of nginx and the platforms.
	chunkSize = 4096
	// flashVer is what FFmpeg's and OBS's RTMP clients send; some ingests
	// look at it to recognise an encoder.
	flashVer = "FMLE/3.0 (compatible; FMSc/1.0)"
	// statusWait is how long to wait for onStatus after publish before
	// assuming the server accepted (some servers never send it).
	statusWait = 1500 * time.Millisecond
	// eventQueue is how many server messages may wait for the owner.
	eventQueue = 32
)

// connConfig is what one connection needs from the publisher.
type connConfig struct {
	target           Target
	log              *slog.Logger
	dialTimeout      time.Duration
	handshakeTimeout time.Duration
	writeTimeout     time.Duration
	tlsConfig        *tls.Config // rtmps only, ServerName filled in
	bytesSent        *atomic.Uint64
}

// eventKind says what the reader goroutine wants from the owner.
type eventKind int

const (
	evCommand eventKind = iota // a command message from the server
	evPing                     // answer a ping request
	evAck                      // acknowledge received bytes
)

// serverEvent is one thing the server sent that the owner must handle.
type serverEvent struct {
	kind  eventKind
	name  string // command name
	txn   int64  // command transaction id
	args  []any  // command arguments after the transaction id, AMF0-decoded
	value uint32 // ping timestamp or ack sequence number
}

// conn is one RTMP publishing connection. Every method except close runs on
// the publisher's owner goroutine, the only one that writes to the socket,
// so messages never interleave. A reader goroutine decodes what the server
// sends and passes it on through events; it never writes (answers to pings
// go through the owner).
type conn struct {
	cfg    connConfig
	nc     net.Conn
	in     *countingReader
	cs     *gortmp.ChunkStreamer
	ctx    context.Context // cancelled by close; bounds every wait
	cancel context.CancelFunc
	// stopWatch unregisters the context.AfterFunc that closes nc when the
	// publisher's context ends.
	stopWatch func() bool

	events   chan serverEvent
	readDone chan struct{}
	readErr  error // set by the reader before readDone is closed

	out         *bufio.Writer // only the owner goroutine writes
	outChunk    int           // our chunk size: 128 until SetChunkSize is sent
	scratch     bytes.Buffer  // encoded non-media message bodies
	streamID    uint32
	perWriteTTL bool // after publish: each write gets its own deadline

	publishedAt time.Time // when publish was sent
	confirmed   bool      // the server answered NetStream.Publish.Start
}

// dial opens a connection and takes it through handshake, connect,
// createStream and publish. On success the server has accepted the stream
// (or stayed silent for statusWait without closing). ctx ends everything at
// once: it is the publisher's lifetime.
func dial(ctx context.Context, cfg connConfig) (*conn, error) {
	t := cfg.target
	nd := &net.Dialer{Timeout: cfg.dialTimeout}
	var (
		nc  net.Conn
		err error
	)
	if t.Scheme == "rtmps" {
		// tls.Dialer applies NetDialer.Timeout to the TCP connect and the
		// TLS handshake together, and verifies the certificate.
		nc, err = (&tls.Dialer{NetDialer: nd, Config: cfg.tlsConfig}).DialContext(ctx, "tcp", t.Addr())
	} else {
		nc, err = nd.DialContext(ctx, "tcp", t.Addr())
	}
	if err != nil {
		if msg, ok := certificateProblem(err); ok {
			return nil, &refusal{msg: msg, cause: err}
		}
		return nil, &phaseError{phase: "dial", err: err}
	}

	c := &conn{
		cfg:      cfg,
		nc:       nc,
		events:   make(chan serverEvent, eventQueue),
		readDone: make(chan struct{}),
	}
	c.ctx, c.cancel = context.WithCancel(ctx)
	// Closing the socket is what unblocks a goroutine stuck in a read or a
	// write, in go-rtmp's reader or in our writes, whatever the phase.
	c.stopWatch = context.AfterFunc(c.ctx, func() { _ = nc.Close() })

	if err := c.open(); err != nil {
		c.close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	return c, nil
}

// open runs the handshake and the publish commands under one deadline.
func (c *conn) open() error {
	deadline := time.Now().Add(c.cfg.handshakeTimeout)
	_ = c.nc.SetDeadline(deadline)

	// The server's S2 is not compared with our C1: a client gains nothing
	// from it and some servers answer the simple handshake loosely.
	if err := handshake.HandshakeWithServer(c.nc, c.nc, &handshake.Config{SkipHandshakeVerification: true}); err != nil {
		return &phaseError{phase: "handshake", err: err}
	}

	c.in = &countingReader{r: c.nc}
	// The ChunkStreamer is only read from. Its idle writer goroutine is
	// stopped by close.
	c.cs = gortmp.NewChunkStreamer(bufio.NewReaderSize(c.in, 8*1024), io.Discard, nil)
	go c.readLoop()
	c.out = bufio.NewWriterSize(&countingWriter{w: c.nc, n: c.cfg.bytesSent}, chunkSize+32)
	c.outChunk = gortmp.DefaultChunkSize

	timeout := time.NewTimer(time.Until(deadline))
	defer timeout.Stop()

	if err := c.write(csidControl, 0, 0, &message.SetChunkSize{ChunkSize: chunkSize}); err != nil {
		return &phaseError{phase: "connect", err: err}
	}
	c.outChunk = chunkSize
	if err := c.connect(timeout.C); err != nil {
		return err
	}
	if err := c.createStream(timeout.C); err != nil {
		return err
	}
	if err := c.publish(deadline); err != nil {
		return err
	}
	// From here on a read may wait forever (servers send publishers almost
	// nothing); writes get a deadline each.
	_ = c.nc.SetDeadline(time.Time{})
	c.perWriteTTL = true
	return nil
}

func (c *conn) connect(timeout <-chan time.Time) error {
	t := c.cfg.target
	cmd := message.NetConnectionConnectCommand{
		App:      t.App,
		Type:     "nonprivate",
		FlashVer: flashVer,
		TCURL:    t.Server(), // scheme://host[:port]/app, never the key
	}
	if err := c.command(csidCommand, 0, "connect", 1, cmd); err != nil {
		return &phaseError{phase: "connect", err: err}
	}
	ev, err := c.awaitResult(1, timeout)
	if err != nil {
		return &phaseError{phase: "connect", err: err}
	}
	if ev.name == "_error" {
		return &refusal{msg: fmt.Sprintf("%s refused the connection%s: check the server URL",
			t.Server(), c.detail(ev.args))}
	}
	return nil
}

func (c *conn) createStream(timeout <-chan time.Time) error {
	key := c.cfg.target.Key
	// releaseStream and FCPublish are what FFmpeg and OBS send before
	// createStream; some ingests expect them. Their answers, if any, are
	// ignored.
	if err := c.command(csidCommand, 0, "releaseStream", 2, nil, key); err != nil {
		return &phaseError{phase: "createStream", err: err}
	}
	if err := c.command(csidCommand, 0, "FCPublish", 3, nil, key); err != nil {
		return &phaseError{phase: "createStream", err: err}
	}
	if err := c.command(csidCommand, 0, "createStream", 4, nil); err != nil {
		return &phaseError{phase: "createStream", err: err}
	}
	ev, err := c.awaitResult(4, timeout)
	if err != nil {
		return &phaseError{phase: "createStream", err: err}
	}
	if ev.name == "_error" {
		return &phaseError{phase: "createStream", err: errors.New("the server could not create a stream" + c.detail(ev.args))}
	}
	if len(ev.args) < 2 {
		return &phaseError{phase: "createStream", err: errors.New("the server's answer has no stream id")}
	}
	id, ok := ev.args[1].(float64)
	if !ok || id < 0 || id > 0xFFFFFFFF {
		return &phaseError{phase: "createStream", err: fmt.Errorf("the server's stream id %v is not valid", ev.args[1])}
	}
	c.streamID = uint32(id)
	return nil
}

// publish sends publish and waits for the verdict. NetStream.Publish.Start
// confirms; an error status, or the connection closing, is a refusal of the
// key; silence for statusWait while the connection stays up counts as
// accepted (the Publisher still treats a close soon after as a refusal).
func (c *conn) publish(deadline time.Time) error {
	if err := c.command(csidCommand, c.streamID, "publish", 0, nil, c.cfg.target.Key, "live"); err != nil {
		return &phaseError{phase: "publish", err: err}
	}
	c.publishedAt = time.Now()
	wait := time.NewTimer(min(statusWait, time.Until(deadline)))
	defer wait.Stop()
	for {
		ev, err := c.nextCommand(wait.C)
		switch {
		case errors.Is(err, errNoEvent):
			return nil // silence while the connection stays up: accepted
		case c.ctx.Err() != nil:
			return c.ctx.Err()
		case err != nil:
			return c.keyRefused("", err)
		}
		switch ev.name {
		case "onStatus":
			code, level, _ := statusInfo(ev.args)
			switch {
			case code == "NetStream.Publish.Start":
				c.confirmed = true
				return nil
			case isErrorStatus(code, level):
				return c.keyRefused(code, nil)
			}
		case "_error":
			return c.keyRefused("", nil)
		}
	}
}

// isErrorStatus reports whether an onStatus means the stream was refused
// or stopped. Servers disagree on levels, so codes count too.
func isErrorStatus(code, level string) bool {
	if level == "error" {
		return true
	}
	for _, bad := range []string{"BadName", "Failed", "Rejected", "Denied"} {
		if strings.Contains(code, bad) {
			return true
		}
	}
	return false
}

// keyRefused is the refusal of the stream key, worded without the key.
func (c *conn) keyRefused(code string, cause error) error {
	msg := "stream key refused by " + c.cfg.target.Server()
	if code != "" {
		c.cfg.log.Debug("publish refused", "code", code)
	}
	return &refusal{msg: msg, cause: cause}
}

// detail formats the description a server attached to an _error answer,
// with the key masked in case the server echoes it.
func (c *conn) detail(args []any) string {
	_, _, desc := statusInfo(args)
	if desc == "" {
		return ""
	}
	if k := c.cfg.target.Key; k != "" {
		desc = strings.ReplaceAll(desc, k, "xxxxx")
	}
	if len(desc) > 120 {
		desc = desc[:120] + "…"
	}
	return " (" + desc + ")"
}

// statusInfo extracts code, level and description from the info object of
// an onStatus or _error command (the last object argument).
func statusInfo(args []any) (code, level, desc string) {
	for i := len(args) - 1; i >= 0; i-- {
		var obj map[string]any
		switch v := args[i].(type) {
		case map[string]any:
			obj = v
		case amf0.ECMAArray:
			obj = v
		default:
			continue
		}
		code, _ = obj["code"].(string)
		level, _ = obj["level"].(string)
		desc, _ = obj["description"].(string)
		return code, level, desc
	}
	return "", "", ""
}

// errNoEvent is nextCommand's timeout.
var errNoEvent = errors.New("no answer from the server")

// nextCommand returns the next command from the server, answering pings and
// acknowledgements meanwhile. Commands the reader queued before the
// connection broke are still returned first, so a refusal followed by a
// hang-up is seen as a refusal. timeout yields errNoEvent.
func (c *conn) nextCommand(timeout <-chan time.Time) (serverEvent, error) {
	for {
		var ev serverEvent
		select {
		case ev = <-c.events:
		case <-c.ctx.Done():
			return serverEvent{}, c.ctx.Err()
		case <-timeout:
			return serverEvent{}, errNoEvent
		case <-c.readDone:
			select {
			case ev = <-c.events:
			default:
				return serverEvent{}, c.failed()
			}
		}
		if ev.kind == evCommand {
			return ev, nil
		}
		if err := c.handle(ev); err != nil {
			return serverEvent{}, err
		}
	}
}

// awaitResult waits for the _result or _error of transaction txn, ignoring
// other commands.
func (c *conn) awaitResult(txn int64, timeout <-chan time.Time) (serverEvent, error) {
	for {
		ev, err := c.nextCommand(timeout)
		if errors.Is(err, errNoEvent) {
			return serverEvent{}, os.ErrDeadlineExceeded
		}
		if err != nil {
			return serverEvent{}, err
		}
		if (ev.name == "_result" || ev.name == "_error") && ev.txn == txn {
			return ev, nil
		}
	}
}

// handle answers what the server sent while media flows: pings,
// acknowledgements, and a status that ends the stream.
func (c *conn) handle(ev serverEvent) error {
	switch ev.kind {
	case evPing:
		return c.write(csidControl, 0, 0, &message.UserCtrl{Event: &message.UserCtrlEventPingResponse{Timestamp: ev.value}})
	case evAck:
		return c.write(csidControl, 0, 0, &message.Ack{SequenceNumber: ev.value})
	}
	if ev.name != "onStatus" {
		return nil
	}
	code, level, _ := statusInfo(ev.args)
	if !isErrorStatus(code, level) {
		c.cfg.log.Debug("server status", "code", code)
		return nil
	}
	if !c.confirmed && time.Since(c.publishedAt) < refusedWindow {
		return c.keyRefused(code, nil)
	}
	return fmt.Errorf("the server stopped the stream (%s)", code)
}

// command writes an AMF0 command message.
func (c *conn) command(csid int, streamID uint32, name string, txn int64, args ...any) error {
	var body bytes.Buffer
	enc := amf0.NewEncoder(&body)
	for _, a := range args {
		if err := enc.Encode(a); err != nil {
			return err
		}
	}
	return c.write(csid, streamID, 0, &message.CommandMessage{
		CommandName:   name,
		TransactionID: txn,
		Encoding:      message.EncodingTypeAMF0,
		Body:          &body,
	})
}

// writeMetadata sends @setDataFrame onMetaData on the data chunk stream.
func (c *conn) writeMetadata(ts uint32, m Metadata) error {
	var body bytes.Buffer
	enc := amf0.NewEncoder(&body)
	if err := enc.Encode("onMetaData"); err != nil {
		return err
	}
	if err := enc.Encode(m.ecmaArray()); err != nil {
		return err
	}
	return c.write(csidData, c.streamID, ts, &message.DataMessage{
		Name:     "@setDataFrame",
		Encoding: message.EncodingTypeAMF0,
		Body:     &body,
	})
}

// writeVideo and writeAudio send one FLV tag body. The body is only read,
// so it may be shared with other publishers.
func (c *conn) writeVideo(ts uint32, body []byte) error {
	return c.writeChunks(csidVideo, message.TypeIDVideoMessage, c.streamID, ts, body)
}

func (c *conn) writeAudio(ts uint32, body []byte) error {
	return c.writeChunks(csidAudio, message.TypeIDAudioMessage, c.streamID, ts, body)
}

// write encodes a protocol, command or data message with go-rtmp and sends
// it.
func (c *conn) write(csid int, streamID, ts uint32, msg message.Message) error {
	c.scratch.Reset()
	if err := message.NewEncoder(&c.scratch).Encode(msg); err != nil {
		return err
	}
	return c.writeChunks(csid, msg.TypeID(), streamID, ts, c.scratch.Bytes())
}

// maxMessage is the largest payload an RTMP message header can describe.
const maxMessage = 0xFFFFFF

// writeChunks sends one message as RTMP chunks (spec §5.3): a type-0 header
// with the absolute timestamp, then type-3 continuation chunks. A type-0
// header on every message is always valid and spares per-stream header
// state; it costs about 8 bytes per message. From 0xFFFFFF ms (4 h 39 min)
// on, the timestamp moves to the extended field, which is repeated in every
// continuation chunk as the spec, FFmpeg and nginx require.
//
// The whole message is written and flushed before it returns, so messages
// reach the server in the order they were sent. A write that makes no
// progress for the write timeout fails with errWriteStalled.
func (c *conn) writeChunks(csid int, typeID message.TypeID, streamID, ts uint32, payload []byte) error {
	if err := c.failed(); err != nil {
		return err
	}
	if len(payload) > maxMessage {
		return fmt.Errorf("a %d-byte message is larger than RTMP allows (16 MiB)", len(payload))
	}
	if c.perWriteTTL {
		_ = c.nc.SetWriteDeadline(time.Now().Add(c.cfg.writeTimeout))
	}
	var hdr [16]byte
	hdr[0] = byte(csid) // fmt 0; our chunk stream ids fit the one-byte form (2..63)
	extended := ts >= 0xFFFFFF
	putU24(hdr[1:4], min(ts, 0xFFFFFF))
	putU24(hdr[4:7], uint32(len(payload)))
	hdr[7] = byte(typeID)
	binary.LittleEndian.PutUint32(hdr[8:12], streamID) // the one little-endian field of RTMP
	n := 12
	if extended {
		binary.BigEndian.PutUint32(hdr[12:16], ts)
		n = 16
	}
	_, err := c.out.Write(hdr[:n])
	for off := 0; err == nil; {
		end := min(off+c.outChunk, len(payload))
		if _, err = c.out.Write(payload[off:end]); err != nil || end == len(payload) {
			break
		}
		off = end
		cont := [5]byte{0xC0 | byte(csid)} // fmt 3
		binary.BigEndian.PutUint32(cont[1:], ts)
		if extended {
			_, err = c.out.Write(cont[:5])
		} else {
			_, err = c.out.Write(cont[:1])
		}
	}
	if err == nil {
		err = c.out.Flush()
	}
	if err != nil {
		if ferr := c.failed(); ferr != nil {
			return ferr
		}
		if c.perWriteTTL && isTimeout(err) {
			return errWriteStalled
		}
		return err
	}
	return nil
}

func putU24(b []byte, v uint32) {
	b[0], b[1], b[2] = byte(v>>16), byte(v>>8), byte(v)
}

// failed returns why the connection is unusable, or nil: the reader saw it
// break, or the publisher is closing.
func (c *conn) failed() error {
	select {
	case <-c.readDone:
		if c.readErr != nil {
			return c.readErr
		}
		return net.ErrClosed
	default:
		return c.ctx.Err()
	}
}

// close tears the connection down and waits for its goroutines. It is
// prompt in every state because closing the socket fails every pending
// read and write.
func (c *conn) close() {
	c.stopWatch()
	c.cancel()
	_ = c.nc.Close()
	if c.cs == nil {
		return // failed before the reader and the ChunkStreamer existed
	}
	<-c.readDone
	_ = c.cs.Close()
	<-c.cs.Done()
}

// readLoop decodes what the server sends and passes what matters to the
// owner. It is the only reader of the ChunkStreamer.
func (c *conn) readLoop() {
	defer close(c.readDone)
	defer func() {
		// go-rtmp's chunk reader panics on some malformed input ("invalid
		// state"); a bad server must not take the application down.
		if r := recover(); r != nil {
			c.readErr = fmt.Errorf("protocol error from the server: %v", r)
		}
	}()
	var (
		cm        gortmp.ChunkMessage
		ackWindow uint32 // 0 until the server sets one
		acked     uint64
	)
	for {
		_, _, err := c.cs.Read(&cm)
		if err != nil {
			if c.in.err != nil {
				c.readErr = c.in.err
				return
			}
			// The whole message was read but go-rtmp could not decode it
			// (an AMF3 command, an unknown user control event): skip it.
			c.cfg.log.Debug("ignored a message from the server", "err", err)
			continue
		}
		ev, ok := c.decode(&cm, &ackWindow)
		if ok && !c.send(ev) {
			return
		}
		if total := c.in.n; ackWindow > 0 && total-acked >= uint64(ackWindow) {
			acked = total
			if !c.send(serverEvent{kind: evAck, value: uint32(total)}) {
				return
			}
		}
	}
}

// decode turns one message into an event for the owner, if it needs one.
func (c *conn) decode(cm *gortmp.ChunkMessage, ackWindow *uint32) (serverEvent, bool) {
	switch m := cm.Message.(type) {
	case *message.SetChunkSize:
		// Only this goroutine reads with the peer's chunk size.
		if err := c.cs.PeerState().SetChunkSize(m.ChunkSize); err != nil {
			c.cfg.log.Debug("server chunk size refused", "err", err)
		}
	case *message.WinAckSize:
		if m.Size > 0 {
			*ackWindow = uint32(m.Size)
		}
	case *message.UserCtrl:
		if p, ok := m.Event.(*message.UserCtrlEventPingRequest); ok {
			return serverEvent{kind: evPing, value: p.Timestamp}, true
		}
	case *message.CommandMessage:
		if m.Encoding != message.EncodingTypeAMF0 {
			return serverEvent{}, false
		}
		var args []any
		dec := amf0.NewDecoder(m.Body)
		for {
			var v any
			if err := dec.Decode(&v); err != nil {
				break
			}
			args = append(args, v)
		}
		return serverEvent{kind: evCommand, name: m.CommandName, txn: m.TransactionID, args: args}, true
	}
	return serverEvent{}, false
}

// send hands an event to the owner; false when the connection is closing.
func (c *conn) send(ev serverEvent) bool {
	select {
	case c.events <- ev:
		return true
	case <-c.ctx.Done():
		return false
	}
}

// countingReader remembers the first read error, so the reader can tell a
// broken connection from a message go-rtmp could not decode, and counts
// bytes for acknowledgements. Only the reader goroutine uses it.
type countingReader struct {
	r   io.Reader
	n   uint64
	err error
}

func (r *countingReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.n += uint64(n)
	if err != nil && r.err == nil {
		r.err = err
	}
	return n, err
}

// countingWriter counts bytes written to the socket for the stats, which
// other goroutines read, hence the atomic.
type countingWriter struct {
	w io.Writer
	n *atomic.Uint64
}

func (w *countingWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.n.Add(uint64(n))
	return n, err
}
