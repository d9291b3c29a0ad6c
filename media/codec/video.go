package codec

import (
	"errors"
	"fmt"
	"image"
	"math"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/relaystudio/relaystudio/media"
)

// decoderTimeBase is the unit of packet and frame timestamps in decoders:
// nanoseconds, so a unit's PTS comes back on its frame unchanged. Decoders
// only carry timestamps through; they do no arithmetic on them.
var decoderTimeBase = nanoseconds

// Frame is a decoded picture. It is owned by the package and valid only
// during the callback it is handed to.
type Frame struct {
	f   *astiav.Frame
	pts time.Duration
}

// Width of the picture in pixels.
func (f *Frame) Width() int { return f.f.Width() }

// Height of the picture in pixels.
func (f *Frame) Height() int { return f.f.Height() }

// PTS is the presentation time of the picture.
func (f *Frame) PTS() time.Duration { return f.pts }

// VideoDecoder decodes H.264 or H.265 access units.
type VideoDecoder struct {
	res   closer
	cc    *astiav.CodecContext
	pkt   *astiav.Packet
	frame *astiav.Frame
	out   Frame
	buf   []byte // Annex-B scratch, reused: no allocation per unit
}

// NewVideoDecoder opens a decoder for the track. Its parameter sets, when
// known, prime the decoder so that it can start at any keyframe.
func NewVideoDecoder(t media.VideoTrack) (*VideoDecoder, error) {
	id, ok := videoDecoders[t.Codec]
	if !ok {
		return nil, fmt.Errorf("no video decoder for %s", t.Codec)
	}
	params := [][]byte{t.SPS, t.PPS}
	if t.Codec == media.CodecH265 {
		params = [][]byte{t.VPS, t.SPS, t.PPS}
	}
	c := astiav.FindDecoder(id)
	if c == nil {
		return nil, fmt.Errorf("FFmpeg has no %s decoder", t.Codec)
	}
	d := &VideoDecoder{}
	d.cc = astiav.AllocCodecContext(c)
	if d.cc == nil {
		return nil, errors.New("cannot allocate a decoder")
	}
	d.res.add(d.cc.Free)
	// One thread: frame threading would hold back a frame per thread, and
	// the live preview and the relay's latency want frames at once.
	d.cc.SetThreadCount(1)
	d.cc.SetTimeBase(decoderTimeBase)
	var have [][]byte
	for _, p := range params {
		if len(p) > 0 {
			have = append(have, p)
		}
	}
	if len(have) > 0 {
		if err := d.cc.SetExtraData(annexB(have)); err != nil {
			d.res.close()
			return nil, wrap("decoder parameters", err)
		}
	}
	if err := d.cc.Open(c, nil); err != nil {
		d.res.close()
		return nil, wrap("open the decoder", err)
	}
	d.pkt = d.res.allocPacket()
	d.frame = d.res.allocFrame()
	d.out.f = d.frame
	return d, nil
}

// Decode decodes one access unit and calls fn for every picture that comes
// out. A damaged unit returns an error; the decoder stays usable.
func (d *VideoDecoder) Decode(u media.VideoUnit, fn func(*Frame)) error {
	var size int
	d.buf, size = appendAnnexB(d.buf, u.NALUs)
	if size == 0 {
		return errors.New("empty access unit")
	}
	if err := fillPacket(d.pkt, d.buf, size); err != nil {
		return wrap("packet", err)
	}
	d.pkt.SetPts(fromDuration(u.PTS, decoderTimeBase))
	d.pkt.SetDts(fromDuration(u.DTS, decoderTimeBase))
	if u.Key {
		d.pkt.SetFlags(d.pkt.Flags().Add(astiav.PacketFlagKey))
	}
	defer d.pkt.Unref()
	// The decoder is drained after every packet, so it takes the next one;
	// if it ever says "receive first" (EAGAIN), drain and send again.
	for attempt := 0; ; attempt++ {
		err := d.cc.SendPacket(d.pkt)
		if errors.Is(err, astiav.ErrEagain) && attempt == 0 {
			if err := d.drain(u.PTS, fn); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return wrap("decode", err)
		}
		return d.drain(u.PTS, fn)
	}
}

// drain hands every decoded picture to fn; unitPTS stamps a picture that
// comes without a timestamp.
func (d *VideoDecoder) drain(unitPTS time.Duration, fn func(*Frame)) error {
	for {
		if err := d.cc.ReceiveFrame(d.frame); err != nil {
			if isAgain(err) {
				return nil
			}
			return wrap("decode", err)
		}
		d.out.pts = unitPTS
		if pts := d.frame.Pts(); pts != astiav.NoPtsValue {
			d.out.pts = toDuration(pts, decoderTimeBase)
		}
		fn(&d.out)
		d.frame.Unref()
	}
}

// Close frees the decoder.
func (d *VideoDecoder) Close() { d.res.close() }

// VideoEncoderConfig configures a libx264 encoder.
type VideoEncoderConfig struct {
	// Width and Height of the output; both must be even.
	Width, Height int
	// FPS of the output, which is constant: frames are dropped or repeated
	// to keep it. Required.
	FPS float64
	// Bitrate in bits per second, held as constant bitrate (VBV with a one
	// second buffer and HRD filler) because platforms ask for CBR.
	Bitrate int
	// Preset is the x264 preset. It defaults to veryfast.
	Preset string
	// KeyframeInterval is exact: scene cuts do not add keyframes. It
	// defaults to 2 s.
	KeyframeInterval time.Duration
	// Threads for x264; 0 chooses (see encoderThreads).
	Threads int
}

// VideoEncoder encodes pictures with libx264 for RTMP: H.264 Main profile,
// no B-frames, zero latency, constant frame rate and bitrate, keyframes at
// an exact interval.
type VideoEncoder struct {
	cfg    VideoEncoderConfig
	res    closer
	cc     *astiav.CodecContext
	tb     astiav.Rational
	pkt    *astiav.Packet
	scaled *astiav.Frame
	sws    *astiav.SoftwareScaleContext
	swsIn  [3]int // width, height, pixel format the scaler was made for
	sps    []byte
	pps    []byte

	started  bool
	origin   time.Duration // PTS of output frame 0
	next     int64         // index of the next output frame
	flushed  bool
	forceKey bool     // the next picture encoded is a keyframe (ForceKeyframe)
	overlay  *Overlay // drawn on every picture after scaling (SetOverlay)
}

// NewVideoEncoder opens libx264 with c.
func NewVideoEncoder(c VideoEncoderConfig) (*VideoEncoder, error) {
	if c.Width < 16 || c.Height < 16 || c.Width%2 != 0 || c.Height%2 != 0 {
		return nil, fmt.Errorf("output size %dx%d: both sides must be even and at least 16", c.Width, c.Height)
	}
	if c.FPS <= 0 || c.FPS > 240 {
		return nil, fmt.Errorf("frame rate %g is out of range", c.FPS)
	}
	if c.Bitrate <= 0 {
		return nil, fmt.Errorf("bitrate %d is out of range", c.Bitrate)
	}
	if c.Preset == "" {
		c.Preset = media.DefaultPreset
	}
	if err := media.CheckPreset(c.Preset); err != nil {
		return nil, err
	}
	if c.KeyframeInterval <= 0 {
		c.KeyframeInterval = media.DefaultKeyframeInterval
	}
	codec := astiav.FindEncoderByName(videoEncoder)
	if codec == nil {
		return nil, errors.New("FFmpeg was built without libx264")
	}
	e := &VideoEncoder{cfg: c}
	e.cc = astiav.AllocCodecContext(codec)
	if e.cc == nil {
		return nil, errors.New("cannot allocate an encoder")
	}
	e.res.add(e.cc.Free)
	fps := rational(c.FPS)
	e.tb = astiav.NewRational(fps.Den(), fps.Num())
	gop := int(math.Round(c.KeyframeInterval.Seconds() * c.FPS))
	if gop < 1 {
		gop = 1
	}
	e.cc.SetWidth(c.Width)
	e.cc.SetHeight(c.Height)
	e.cc.SetPixelFormat(astiav.PixelFormatYuv420P)
	e.cc.SetTimeBase(e.tb)
	// x264 takes its rate from framerate, not the time base: without it
	// rate control goes wrong (LIBRARIES.md §0.6).
	e.cc.SetFramerate(fps)
	e.cc.SetGopSize(gop)
	e.cc.SetBitRate(int64(c.Bitrate))
	if c.Threads == 0 {
		c.Threads = encoderThreads(c)
	}
	e.cc.SetThreadCount(c.Threads)
	// Global header: SPS/PPS come once in extradata, for the FLV sequence
	// header, rather than in every keyframe.
	e.cc.SetFlags(e.cc.Flags().Add(astiav.CodecContextFlagGlobalHeader))

	opts := astiav.NewDictionary()
	defer opts.Free()
	f := astiav.NewDictionaryFlags()
	br := fmt.Sprint(c.Bitrate)
	for _, kv := range [][2]string{
		{"preset", c.Preset},
		{"tune", "zerolatency"},
		{"profile", "main"},
		{"bf", "0"},
		{"maxrate", br},
		{"bufsize", br},
		{"x264-params", fmt.Sprintf("keyint=%d:min-keyint=%d:scenecut=0:nal-hrd=cbr:force-cfr=1", gop, gop)},
	} {
		if err := opts.Set(kv[0], kv[1], f); err != nil {
			e.res.close()
			return nil, wrap("encoder option "+kv[0], err)
		}
	}
	if err := e.cc.Open(codec, opts); err != nil {
		e.res.close()
		return nil, wrap("open libx264", err)
	}
	// Options left in the dictionary were not understood: a typo here
	// would silently change the stream, so refuse it.
	if left := opts.Get("", nil, astiav.NewDictionaryFlags(astiav.DictionaryFlagIgnoreSuffix)); left != nil {
		e.res.close()
		return nil, fmt.Errorf("libx264 did not take option %s=%s", left.Key(), left.Value())
	}
	nalus, err := splitAnnexB(e.cc.ExtraData())
	if err != nil {
		e.res.close()
		return nil, wrap("encoder parameters", err)
	}
	for _, n := range nalus {
		if len(n) == 0 {
			continue
		}
		switch n[0] & 0x1f {
		case 7:
			e.sps = n
		case 8:
			e.pps = n
		}
	}
	if e.sps == nil || e.pps == nil {
		e.res.close()
		return nil, errors.New("libx264 gave no SPS/PPS")
	}
	e.pkt = e.res.allocPacket()
	e.scaled = e.res.allocFrame()
	return e, nil
}

// presetCost is what libx264 costs on one thread per megapixel encoded, in
// milliseconds, by preset (zerolatency, Main, CBR): measured on the
// benchmark machine (README, "Performance"); only the ratios matter.
var presetCost = map[string]float64{
	"ultrafast": 3.9, "superfast": 5.8, "veryfast": 7.7, "faster": 10.4, "fast": 14.7, "medium": 18.5,
}

// oneThreadLoad is the share of a core up to which an encode runs on one
// thread. A third of this machine's core leaves room for a laptop's core
// of half its speed.
const oneThreadLoad = 0.35

// encoderThreads is the x264 thread count for c: one thread when one keeps
// real time with room to spare (720p30 at veryfast needs a fifth of a
// core), else 0, x264's own choice. With zerolatency x264 threads by
// slices, one per thread, and waits for all of them on every picture: on
// two cores that synchronisation costs ~6 % more CPU than one thread for
// the same pictures (and every slice boundary costs a little compression).
// The studio's parallelism is its streams.
func encoderThreads(c VideoEncoderConfig) int {
	cost, ok := presetCost[c.Preset]
	if !ok {
		return 0
	}
	load := float64(c.Width*c.Height) / 1e6 * c.FPS * cost / 1000
	if load <= oneThreadLoad {
		return 1
	}
	return 0
}

// SPS returns the encoder's sequence parameter set, without start code.
func (e *VideoEncoder) SPS() []byte { return e.sps }

// PPS returns the encoder's picture parameter set, without start code.
func (e *VideoEncoder) PPS() []byte { return e.pps }

// Encode scales f to the output size, places it on the constant frame rate
// grid (dropping it when it comes too early, repeating the previous picture
// to fill a gap, the way ffmpeg's fps filter does) and encodes it. fn
// receives every access unit produced: NALUs without start codes, keyframes
// led by the SPS and PPS.
//
// The grid starts at the first frame's PTS. A gap longer than a second is
// not filled (the grid resumes at the new frame), and a PTS more than a
// second backwards (a restarted source) moves the grid to the new clock.
func (e *VideoEncoder) Encode(f *Frame, fn func(media.VideoUnit)) error {
	if f == nil || f.f == nil {
		return errors.New("encode: no picture")
	}
	if e.flushed {
		return errors.New("encode: the encoder was flushed")
	}
	if !e.started {
		e.started, e.origin = true, f.pts
	}
	second := int64(math.Ceil(e.cfg.FPS))
	slot := int64(math.Round((f.pts - e.origin).Seconds() * e.cfg.FPS))
	switch {
	case slot < e.next-second:
		e.origin = f.pts - toDuration(e.next, e.tb)
		slot = e.next
	case slot < e.next:
		return nil // too early for the next slot: drop, like ffmpeg -r
	case slot-e.next > second:
		// After a long gap (camera hiccup) do not burst out a second of
		// copies: resume the grid at this frame.
		e.next = slot
	}
	if err := e.scale(f.f); err != nil {
		return err
	}
	defer e.scaled.Unref()
	if e.overlay != nil {
		// The scaled picture is a fresh buffer of the encoder's own.
		if err := e.overlay.apply(e.scaled, time.Now()); err != nil {
			return err
		}
	}
	for ; e.next <= slot; e.next++ {
		e.scaled.SetPts(e.next)
		if e.forceKey {
			// An I picture is an IDR here: libx264 has no open GOP.
			e.scaled.SetPictureType(astiav.PictureTypeI)
			e.forceKey = false
		} else {
			e.scaled.SetPictureType(astiav.PictureTypeNone)
		}
		if err := e.cc.SendFrame(e.scaled); err != nil {
			return wrap("encode", err)
		}
		if err := e.receive(fn); err != nil {
			return err
		}
	}
	return nil
}

// SetOverlay draws o (made for the encoder's size) on every picture from
// the next one on; nil draws nothing. The encoder does not own o: the
// caller closes it once it is replaced.
func (e *VideoEncoder) SetOverlay(o *Overlay) error {
	if o != nil && (o.w != e.cfg.Width || o.h != e.cfg.Height) {
		return fmt.Errorf("overlay for %dx%d on a %dx%d encoder", o.w, o.h, e.cfg.Width, e.cfg.Height)
	}
	e.overlay = o
	return nil
}

// ForceKeyframe makes the next picture encoded a keyframe, out of the
// regular interval: after new headers (a switch between the camera and
// the slate), destinations resume on it rather than a GOP later. The
// interval then counts from it.
func (e *VideoEncoder) ForceKeyframe() { e.forceKey = true }

// scale converts src into e.scaled at the output size in yuv420p.
func (e *VideoEncoder) scale(src *astiav.Frame) error {
	in := [3]int{src.Width(), src.Height(), int(src.PixelFormat())}
	if e.sws == nil || in != e.swsIn {
		if e.sws != nil {
			e.sws.Free()
			live.Add(-1)
			e.sws = nil
		}
		sws, err := astiav.CreateSoftwareScaleContext(in[0], in[1], src.PixelFormat(), e.cfg.Width, e.cfg.Height,
			astiav.PixelFormatYuv420P, astiav.NewSoftwareScaleContextFlags(astiav.SoftwareScaleContextFlagBicubic))
		if err != nil {
			return wrap(fmt.Sprintf("scaler from %dx%d %s", in[0], in[1], src.PixelFormat()), err)
		}
		e.sws, e.swsIn = sws, in
		live.Add(1)
	}
	// A fresh buffer every time (ScaleFrame allocates into an empty frame):
	// the encoder may still hold a reference to the previous one.
	if err := e.sws.ScaleFrame(src, e.scaled); err != nil {
		return wrap("scale", err)
	}
	// libx264 turns a picture typed I into a keyframe, which would break the
	// exact keyframe interval at every camera keyframe. FFmpeg 5.1's
	// ScaleFrame does not copy the source's type, but a later one or a
	// pass-through path would: keep the type unset, explicitly.
	e.scaled.SetPictureType(astiav.PictureTypeNone)
	return nil
}

func (e *VideoEncoder) receive(fn func(media.VideoUnit)) error {
	for {
		if err := e.cc.ReceivePacket(e.pkt); err != nil {
			if isAgain(err) {
				return nil
			}
			return wrap("encode", err)
		}
		nalus, err := splitAnnexB(e.pkt.Data())
		u := media.VideoUnit{
			PTS:   e.origin + toDuration(e.pkt.Pts(), e.tb),
			DTS:   e.origin + toDuration(e.pkt.Dts(), e.tb),
			Key:   e.pkt.Flags().Has(astiav.PacketFlagKey),
			NALUs: nalus,
		}
		e.pkt.Unref()
		if err != nil {
			return wrap("encoded packet", err)
		}
		if u.Key {
			// With a global header x264 leaves the parameter sets out of
			// the stream; a keyframe unit carries them (media.VideoUnit).
			u.NALUs = append([][]byte{e.sps, e.pps}, u.NALUs...)
		}
		fn(u)
	}
}

// Flush drains the encoder at the end of a stream. The encoder takes no
// more pictures afterwards.
func (e *VideoEncoder) Flush(fn func(media.VideoUnit)) error {
	if e.flushed {
		return nil
	}
	e.flushed = true
	if err := e.cc.SendFrame(nil); err != nil && !isAgain(err) {
		return wrap("flush", err)
	}
	return e.receive(fn)
}

// Close frees the encoder.
func (e *VideoEncoder) Close() {
	if e.sws != nil {
		e.sws.Free()
		live.Add(-1)
		e.sws = nil
	}
	e.res.close()
}

// RGBAConverter turns decoded pictures into RGBA images for the preview.
// The zero value is ready to use.
type RGBAConverter struct {
	sws   *astiav.SoftwareScaleContext
	key   [5]int // source w, h, format; destination w, h
	frame *astiav.Frame
}

// Convert scales f into dst, which must be tightly packed (Stride = 4·W).
func (c *RGBAConverter) Convert(f *Frame, dst *image.RGBA) error {
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	if w < 2 || h < 2 || dst.Stride != 4*w || len(dst.Pix) < 4*w*h {
		return fmt.Errorf("preview image %dx%d is not a packed RGBA image", w, h)
	}
	src := f.f
	key := [5]int{src.Width(), src.Height(), int(src.PixelFormat()), w, h}
	if c.sws == nil || key != c.key {
		c.freeScaler()
		sws, err := astiav.CreateSoftwareScaleContext(key[0], key[1], src.PixelFormat(), w, h,
			astiav.PixelFormatRgba, astiav.NewSoftwareScaleContextFlags(astiav.SoftwareScaleContextFlagBilinear))
		if err != nil {
			return wrap("preview scaler", err)
		}
		c.sws, c.key = sws, key
		live.Add(1)
	}
	if c.frame == nil {
		c.frame = astiav.AllocFrame()
		live.Add(1)
	}
	// The RGBA picture is allocated once per size and reused: the converter
	// is its only user, and ScaleFrame writes into an allocated frame.
	if c.frame.Width() != w || c.frame.Height() != h {
		c.frame.Unref()
		c.frame.SetWidth(w)
		c.frame.SetHeight(h)
		c.frame.SetPixelFormat(astiav.PixelFormatRgba)
		if err := c.frame.AllocBuffer(0); err != nil {
			c.frame.Unref()
			return wrap("preview picture", err)
		}
	}
	if err := c.sws.ScaleFrame(src, c.frame); err != nil {
		return wrap("preview scale", err)
	}
	if _, err := c.frame.ImageCopyToBuffer(dst.Pix[:4*w*h], 1); err != nil {
		return wrap("preview copy", err)
	}
	return nil
}

func (c *RGBAConverter) freeScaler() {
	if c.sws != nil {
		c.sws.Free()
		live.Add(-1)
		c.sws = nil
	}
}

// Close frees the converter; it may be used again afterwards.
func (c *RGBAConverter) Close() {
	c.freeScaler()
	if c.frame != nil {
		c.frame.Free()
		live.Add(-1)
		c.frame = nil
	}
}
