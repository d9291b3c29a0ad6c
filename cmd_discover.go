package main

// relaystudio discover: find ONVIF cameras and their stream addresses.

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/relaystudio/relaystudio/media/discover"
)

// discoverResult is one camera as discover reports it.
type discoverResult struct {
	discover.Camera
	Device *discover.Device `json:"device,omitempty"`
	// Templates are the brand paths that answered, when ONVIF did not.
	Templates []discover.Found `json:"templates,omitempty"`
	Error     string           `json:"error,omitempty"`
}

func cmdDiscover(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("discover")
	asJSON := fs.Bool("json", false, "")
	timeout := fs.Duration("timeout", discover.DefaultProbeTimeout, "")
	address := fs.String("address", "", "")
	user := fs.String("user", "", "")
	passFile := fs.String("password-file", "", "")
	verbose := fs.Bool("verbose", false, "")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return usagef("discover takes no arguments, got %q: use --address HOST to ask one camera", shownArg(pos[0]))
	case *timeout < 500*time.Millisecond || *timeout > time.Minute:
		return usagef("--timeout %v: want between 500ms and 1m", *timeout)
	case *passFile != "" && *user == "":
		return usagef("--password-file needs --user: the camera's ONVIF user")
	}
	pass := ""
	if *passFile != "" {
		b, err := os.ReadFile(*passFile)
		if err != nil {
			return usagef("--password-file %s: cannot read it (%v)", *passFile, errors.Unwrap(err))
		}
		pass = strings.TrimRight(string(b), "\r\n")
	}
	if *address != "" {
		if _, err := discover.DeviceURL(*address); err != nil {
			return usagef("--address: %v", err)
		}
	}
	log := newLogger(stderr, slog.LevelError+1, *verbose)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	started := time.Now()
	cams, err := discover.Probe(ctx, discover.ProbeConfig{Timeout: *timeout, Address: *address, Logger: log})
	direct := *address != "" && *user != ""
	switch {
	case err != nil && direct && ctx.Err() == nil:
		// No probe could be sent (no UDP here): the address can still be
		// asked over HTTP.
		fmt.Fprintf(stderr, "relaystudio: %v: asking %s directly\n", err, *address)
		cams = []discover.Camera{discover.Direct(*address)}
	case err != nil:
		return err
	case direct && len(cams) == 0:
		// WS-Discovery may be off while ONVIF answers: ask the address.
		cams = []discover.Camera{discover.Direct(*address)}
	}
	results := make([]discoverResult, len(cams))
	failed := 0
	for i, c := range cams {
		results[i].Camera = c
		if *user == "" {
			continue
		}
		d, err := discover.Query(ctx, discover.QueryConfig{Address: c.Address(), User: *user, Password: pass, Logger: log})
		if err != nil {
			results[i].Error = err.Error()
			failed++
			if !errors.Is(err, discover.ErrUnauthorized) && *address != "" {
				// ONVIF is off or broken: the brands' usual paths.
				if found, terr := discover.TryTemplates(ctx, discover.TryConfig{Host: c.From, User: *user, Password: pass}); terr == nil && len(found) > 0 {
					results[i].Templates = found
					failed--
				}
			}
			continue
		}
		results[i].Device = &d
	}
	if ctx.Err() != nil {
		return errors.New("discover interrupted")
	}

	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			Cameras []discoverResult `json:"cameras"`
		}{results}); err != nil {
			return err
		}
	} else {
		printDiscovered(stdout, results, *user != "", *address, time.Since(started))
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d cameras did not list their streams (see above)", failed, len(results))
	}
	return nil
}

func printDiscovered(w io.Writer, results []discoverResult, withCreds bool, address string, took time.Duration) {
	if len(results) == 0 {
		where := "on the local networks"
		if address != "" {
			where = "at " + address
		}
		fmt.Fprintf(w, "No ONVIF camera answered %s within %s.\n", where, took.Round(100*time.Millisecond))
		if address == "" {
			fmt.Fprintln(w, "A camera on another network: relaystudio discover --address HOST --user USER --password-file FILE")
		} else {
			fmt.Fprintln(w, "If its ONVIF is off, add --user and --password-file to try the usual RTSP paths of the common brands.")
		}
		return
	}
	n := "camera"
	if len(results) > 1 {
		n = "cameras"
	}
	fmt.Fprintf(w, "Found %d %s:\n", len(results), n)
	for _, r := range results {
		fmt.Fprintln(w)
		title := r.Name
		if r.Device != nil && r.Device.Model != "" {
			title = strings.TrimSpace(r.Device.Manufacturer + " " + r.Device.Model)
			if r.Name != "" && r.Name != title {
				title += " (" + r.Name + ")"
			}
		}
		if title == "" {
			title = cmp.Or(r.Hardware, "ONVIF camera")
		}
		fmt.Fprintf(w, "%s at %s\n", title, r.From)
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "  address\t%s\n", r.Address())
		if r.Hardware != "" {
			fmt.Fprintf(tw, "  hardware\t%s\n", r.Hardware)
		}
		if r.Location != "" {
			fmt.Fprintf(tw, "  location\t%s\n", r.Location)
		}
		if r.Device != nil && r.Device.Firmware != "" {
			fmt.Fprintf(tw, "  firmware\t%s\n", r.Device.Firmware)
		}
		if r.Device != nil && r.Device.ClockOffset.Abs() > 5*time.Second {
			fmt.Fprintf(tw, "  clock\t%s off (allowed for)\n", r.Device.ClockOffset.Round(time.Second))
		}
		if r.Warning != "" {
			fmt.Fprintf(tw, "  note\t%s\n", r.Warning)
		}
		if r.Error != "" {
			fmt.Fprintf(tw, "  error\t%s\n", r.Error)
		}
		tw.Flush()
		switch {
		case r.Device != nil:
			fmt.Fprintln(w, "  profiles:")
			tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
			main, sub := r.Device.Main(), r.Device.Sub()
			for i, p := range r.Device.Profiles {
				role := ""
				switch i {
				case main:
					role = "main stream"
				case sub:
					role = "sub stream (light)"
				}
				where := p.StreamURI
				if where == "" {
					where = p.Problem
				}
				fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\t%s\n", p.Name, cmp.Or(p.Codec, "?"), profileShape(p), where, role)
			}
			tw.Flush()
		case len(r.Templates) > 0:
			fmt.Fprintln(w, "  ONVIF did not answer; these RTSP paths did:")
			tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
			for _, f := range r.Templates {
				fmt.Fprintf(tw, "    %s\tmain\t%s\n", f.Brand, f.Main)
				if f.Sub != "" {
					fmt.Fprintf(tw, "    \tsub\t%s\n", f.Sub)
				}
			}
			tw.Flush()
		case !withCreds:
			fmt.Fprintln(w, "  its streams: add --user USER --password-file FILE")
		}
	}
}

// profileShape is "1920x1080 30 fps 4096 kb/s", with what the camera said.
func profileShape(p discover.Profile) string {
	var parts []string
	if p.Width > 0 && p.Height > 0 {
		parts = append(parts, fmt.Sprintf("%dx%d", p.Width, p.Height))
	}
	if p.FPS > 0 {
		parts = append(parts, fmt.Sprintf("%g fps", p.FPS))
	}
	if p.BitrateKbps > 0 {
		parts = append(parts, fmt.Sprintf("%d kb/s", p.BitrateKbps))
	}
	return cmp.Or(strings.Join(parts, " "), "-")
}
