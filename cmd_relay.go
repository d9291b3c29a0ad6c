package main

// relaystudio relay: one stream from the flags, until Ctrl-C or SIGTERM.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/relaystudio/relaystudio/media"
	"github.com/relaystudio/relaystudio/media/codec"
	"github.com/relaystudio/relaystudio/media/relay"
	"github.com/relaystudio/relaystudio/settings"
)

// The relay sub-command's flag defaults: the engine's own (media), written
// as a person types them. usage shows the same values.
var (
	defaultBitrate      = media.FormatBitrate(media.DefaultVideoBitrate)
	defaultKeyint       = media.DefaultKeyframeInterval.String()
	defaultAudioBitrate = media.FormatBitrate(media.DefaultAudioBitrate)
	defaultSlateAfter   = settings.DefaultSlateAfter
	defaultSlateGiveUp  = settings.DefaultSlateGiveUp
)

// Defaults of the modes, as relay.Config documents them.
const (
	defaultVideoMode = string(relay.VideoCopy)
	defaultAudioMode = string(relay.AudioAuto)
	defaultTransport = "auto"
)

// relayFlags names the flag that sets each field of relay.Config whose
// errors (relay.FieldError) a flag should be named in.
var relayFlags = map[string]string{
	"rtsp_transport":          "--rtsp-transport",
	"video.mode":              "--video",
	"video.preset":            "--preset",
	"video.bitrate":           "--bitrate",
	"video.fps":               "--fps",
	"video.keyframe_interval": "--keyint",
	"video.size":              "--size",
	"audio.mode":              "--audio",
	"audio.bitrate":           "--audio-bitrate",
	"slate.image":             "--slate-image",
	"slate.after":             "--slate-after",
	"slate.give_up":           "--slate-give-up",
	"record.split":            "--record-split",
	"overlay.image":           "--logo",
	"overlay.image_corner":    "--logo-position",
	"overlay.image_width":     "--logo-width",
	"overlay.image_opacity":   "--logo-opacity",
	"overlay.margin":          "--overlay-margin",
	"overlay.text":            "--text",
	"overlay.text_size":       "--text-size",
	"overlay.text_colour":     "--text-colour",
	"overlay.text_corner":     "--text-position",
}

// relayOptions is what the relay sub-command was asked to do.
type relayOptions struct {
	cfg     relay.Config
	stats   time.Duration
	verbose bool
}

// parseRelayFlags turns the relay sub-command's arguments into a validated
// stream configuration.
func parseRelayFlags(args []string) (relayOptions, error) {
	fs := newFlagSet("relay")
	var opt0 relay.Config // the overlay's flags land here
	var (
		outputs                                               listFlag
		input, videoMode, size, bitrate, preset, keyint       string
		audioMode, audioBitrate, transport, statsEvery, fpsIn string
		slate, slateImage, slateAfter, slateGiveUp            string
		recordDir, recordSplit, name                          string
		verbose                                               bool
	)
	fs.StringVar(&input, "input", "", "")
	fs.StringVar(&name, "name", "relay", "")
	fs.Var(&outputs, "output", "")
	fs.StringVar(&videoMode, "video", defaultVideoMode, "")
	fs.StringVar(&size, "size", "", "")
	fs.StringVar(&fpsIn, "fps", "", "")
	fs.StringVar(&bitrate, "bitrate", defaultBitrate, "")
	fs.StringVar(&preset, "preset", media.DefaultPreset, "")
	fs.StringVar(&keyint, "keyint", defaultKeyint, "")
	fs.StringVar(&audioMode, "audio", defaultAudioMode, "")
	fs.StringVar(&audioBitrate, "audio-bitrate", defaultAudioBitrate, "")
	fs.StringVar(&transport, "rtsp-transport", defaultTransport, "")
	fs.StringVar(&slate, "slate", "on", "")
	fs.StringVar(&slateImage, "slate-image", "", "")
	fs.StringVar(&slateAfter, "slate-after", defaultSlateAfter, "")
	fs.StringVar(&slateGiveUp, "slate-give-up", defaultSlateGiveUp, "")
	o := &opt0.Overlay
	fs.StringVar(&o.Image, "logo", "", "")
	fs.StringVar(&o.ImageCorner, "logo-position", "", "")
	fs.IntVar(&o.ImageWidth, "logo-width", 0, "")
	fs.Float64Var(&o.ImageOpacity, "logo-opacity", 0, "")
	fs.IntVar(&o.Margin, "overlay-margin", 0, "")
	fs.StringVar(&o.Text, "text", "", "")
	fs.IntVar(&o.TextSize, "text-size", 0, "")
	fs.StringVar(&o.TextColour, "text-colour", "", "")
	fs.StringVar(&o.TextCorner, "text-position", "", "")
	fs.BoolVar(&o.TextBox, "text-box", false, "")
	fs.BoolVar(&o.Clock, "clock", false, "")
	fs.StringVar(&recordDir, "record", "", "")
	fs.StringVar(&recordSplit, "record-split", settings.DefaultRecordSplit, "")
	fs.StringVar(&statsEvery, "stats", "0", "")
	fs.BoolVar(&verbose, "verbose", false, "")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return relayOptions{}, err
	}
	if len(pos) > 0 {
		return relayOptions{}, usagef("unexpected argument %q: give the source with --input and the ingest with --output", shownArg(pos[0]))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	opt := relayOptions{verbose: verbose}
	c := &opt.cfg
	c.Name = strings.TrimSpace(name)
	if c.Name == "" {
		return opt, usagef("--name: give the stream a name (it is in the logs and on the slate)")
	}
	c.Input = input
	c.RTSPTransport = transport
	if input == "" {
		return opt, usagef("missing --input: give a camera URL (rtsp://user:pass@host/path) or test://pattern")
	}
	if len(outputs) == 0 && recordDir == "" {
		return opt, usagef("missing --output: give an ingest URL such as rtmp://a.rtmp.youtube.com/live2/STREAM-KEY (or --record DIR to record only)")
	}
	for _, o := range outputs {
		c.Destinations = append(c.Destinations, relay.Destination{URL: o})
	}

	// The flags are parsed here; what their values may be is the engine's
	// to check (Validate), and its errors name the flag.
	c.Video.Mode = relay.VideoMode(videoMode)
	c.Overlay = opt0.Overlay
	if c.Video.Mode == relay.VideoCopy {
		for _, f := range []string{"size", "fps", "bitrate", "preset", "keyint", "logo", "logo-position", "logo-width",
			"logo-opacity", "overlay-margin", "text", "text-size", "text-colour", "text-position", "text-box", "clock"} {
			if set[f] {
				return opt, usagef("--%s needs --video h264: copy mode passes the camera's video through untouched", f)
			}
		}
	}
	if c.Video.Size, err = media.ParseSize(size); err != nil {
		return opt, usagef("--size: %v", err)
	}
	if fpsIn != "" {
		// 0 would mean the camera's rate, which is what leaving the flag
		// out says.
		fps, err := strconv.ParseFloat(strings.TrimSpace(fpsIn), 64)
		if err != nil || !(fps > 0) {
			return opt, usagef("--fps %q: want a frame rate such as 30 (leave --fps out to keep the camera's)", fpsIn)
		}
		c.Video.FPS = fps
	}
	if c.Video.Bitrate, err = media.ParseBitrate(bitrate); err != nil {
		return opt, usagef("--bitrate: %v", err)
	}
	c.Video.Preset = preset
	if c.Video.KeyframeInterval, err = media.ParseKeyframeInterval(keyint); err != nil {
		return opt, usagef("--keyint: %v", err)
	}
	c.Audio.Mode = relay.AudioMode(audioMode)
	if c.Audio.Bitrate, err = media.ParseBitrate(audioBitrate); err != nil {
		return opt, usagef("--audio-bitrate: %v", err)
	}
	switch slate {
	case "on":
	case "off":
		c.Slate.Off = true
		for _, f := range []string{"slate-image", "slate-after", "slate-give-up"} {
			if set[f] {
				return opt, usagef("--%s needs the slate on: leave out --slate off", f)
			}
		}
	default:
		return opt, usagef("--slate %q: want on or off", slate)
	}
	if c.Slate.After, err = media.ParseSlateAfter(slateAfter); err != nil {
		return opt, usagef("--slate-after: %v", err)
	}
	if c.Slate.GiveUp, err = media.ParseSlateGiveUp(slateGiveUp); err != nil {
		return opt, usagef("--slate-give-up: %v", err)
	}
	if c.Overlay.Image != "" {
		if _, err := relay.LoadOverlayImage(c.Overlay.Image); err != nil {
			var fe *relay.FieldError
			if errors.As(err, &fe) {
				return opt, usagef("--logo: %s", fe.Msg)
			}
			return opt, usagef("--logo: %v", err)
		}
	}
	if c.Slate.Image = slateImage; slateImage != "" {
		// Read now, so that a wrong file is a usage error that names the
		// flag; the engine reads it again when the relay is made.
		if _, err := relay.LoadSlateImage(slateImage); err != nil {
			var fe *relay.FieldError
			if errors.As(err, &fe) {
				return opt, usagef("--slate-image: %s", fe.Msg)
			}
			return opt, usagef("--slate-image: %v", err)
		}
	}
	if set["record-split"] && recordDir == "" {
		return opt, usagef("--record-split needs --record DIR")
	}
	if c.Record.Split, err = media.ParseRecordSplit(recordSplit); err != nil {
		return opt, usagef("--record-split: %v", err)
	}
	if set["record"] && strings.TrimSpace(recordDir) == "" {
		return opt, usagef("--record: give the folder to record into")
	}
	c.Record.Dir = recordDir
	if opt.stats, err = parseInterval(statsEvery); err != nil {
		return opt, usagef("--stats %q: want an interval such as 1s, or 0 for none", statsEvery)
	}
	if err := c.Validate(); err != nil {
		var fe *relay.FieldError
		if errors.As(err, &fe) && relayFlags[fe.Field] != "" {
			return opt, usagef("%s: %s", relayFlags[fe.Field], fe.Msg)
		}
		return opt, err
	}
	return opt, nil
}

func cmdRelay(args []string, stdout, stderr io.Writer) error {
	opt, err := parseRelayFlags(args)
	if err != nil {
		return err
	}
	log := newLogger(stderr, slog.LevelInfo, opt.verbose)
	codec.SetLogger(log)
	opt.cfg.Logger = log

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	r, err := relay.New(opt.cfg)
	if err != nil {
		return err
	}
	if err := r.Start(); err != nil {
		return err
	}
	defer r.Close()

	var tick <-chan time.Time
	if opt.stats > 0 {
		t := time.NewTicker(opt.stats)
		defer t.Stop()
		tick = t.C
	}
	enc := json.NewEncoder(stdout)
	for {
		select {
		case <-ctx.Done():
			log.Info("stopping")
			r.Close()
			return nil
		case <-r.Done():
			return r.Wait()
		case <-tick:
			if err := enc.Encode(r.Stats()); err != nil {
				return fmt.Errorf("cannot write stats: %w", err)
			}
		}
	}
}
