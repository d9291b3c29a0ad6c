package ui

// Remote control: the window serves the API, /metrics, the web monitor
// and Local HLS (package api) while the setting is on, and a request
// changes a stream exactly as the window's own controls do, on the Fyne
// goroutine, so the window shows it at once.

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/relaystudio/relaystudio/api"
	"github.com/relaystudio/relaystudio/settings"
	"github.com/relaystudio/relaystudio/studio"
)

// remote is the API server while it runs.
type remote struct {
	mu    sync.Mutex
	srv   *api.Server
	addr  string // where it listens, once it does
	err   error  // why it could not start
	token string // what requests must carry; the window changes it
	done  chan error
}

func (r *remote) currentToken() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.token
}

// apiError is an error the window answers an API request with: the API
// speaks English whatever the window's language, as its other answers do.
type apiError string

func (e apiError) Error() string { return string(e) }

// errClosing is a request that came while the window was closing.
var errClosing error = apiError("the studio is closing")

// onMain runs f on the Fyne goroutine and waits for it; a window that
// stops meanwhile (f is then dropped) makes it give up.
func (s *Studio) onMain(f func() error) error {
	done := make(chan error, 1)
	s.do(func() { done <- f() })
	select {
	case err := <-done:
		return err
	case <-s.ctx.Done():
		return errClosing
	case <-time.After(10 * time.Second):
		return apiError("the window did not answer in 10 s: try again")
	}
}

// windowControl is the window's studio.Controller.
type windowControl struct{ s *Studio }

func (c windowControl) Views() []studio.View {
	var out []studio.View
	_ = c.s.onMain(func() error {
		ids := studio.StreamIDs(c.s.cfg.Streams)
		for i, st := range c.s.cfg.Streams {
			out = append(out, studio.View{ID: ids[i], Saved: st.Clone(), Stream: c.s.views[i].stream})
		}
		return nil
	})
	return out
}

// findID is the index of the stream with ID id; on the Fyne goroutine.
func (s *Studio) findID(id string) (int, error) {
	for i, x := range studio.StreamIDs(s.cfg.Streams) {
		if x == id {
			return i, nil
		}
	}
	return -1, studio.ErrUnknownStream
}

func (c windowControl) Start(id string) error {
	s := c.s
	return s.onMain(func() error {
		i, err := s.findID(id)
		if err != nil {
			return err
		}
		if s.views[i].streaming() {
			return nil
		}
		if reason := s.startProblem(i); reason != "" {
			return errors.New(reason)
		}
		s.log.Info("start asked through the API", "stream", s.cfg.Streams[i].Name)
		if err := s.views[i].stream.Start(s.cfg.Streams[i]); err != nil {
			if i == s.selected {
				s.runRelay(i, true, false)
			}
			s.refreshStream(i)
			return err
		}
		s.afterRun(i)
		s.publish()
		s.refreshStream(i)
		return nil
	})
}

func (c windowControl) Stop(id string) error {
	s := c.s
	return s.onMain(func() error {
		i, err := s.findID(id)
		if err != nil {
			return err
		}
		if !s.views[i].streaming() {
			return studio.ErrNotLive
		}
		s.log.Info("stop asked through the API", "stream", s.cfg.Streams[i].Name)
		s.stopStream(i)
		return nil
	})
}

func (c windowControl) Update(id string, what studio.Change, change func(*settings.Stream) error) error {
	s := c.s
	return s.onMain(func() error {
		i, err := s.findID(id)
		if err != nil {
			return err
		}
		st := s.cfg.Streams[i].Clone()
		if err := change(&st); err != nil {
			return err
		}
		if err := s.commit(func(cfg *settings.Config) { cfg.Streams[i] = st }); err != nil {
			return err
		}
		s.log.Info(what.String()+" changed through the API", "stream", st.Name)
		switch what {
		case studio.ChangeOutput:
			if s.views[i].streaming() {
				s.applyLive(i)
			} else if s.views[i].relay() != nil {
				s.restartStream(i, what.String())
			}
		case studio.ChangeDestinations:
			s.afterDestChange(i)
		}
		if i == s.selected {
			s.refreshSelection()
		}
		return nil
	})
}

// startRemote serves the API as the settings say, when they say so; a
// running server is stopped first. On the Fyne goroutine.
func (s *Studio) startRemote() {
	s.stopRemote()
	a := s.cfg.API
	if !a.Enabled {
		return
	}
	addr := a.ListenAddr()
	r := &remote{token: a.Token, done: make(chan error, 1)}
	s.remote = r
	ln, err := api.Listen(addr, a.Token)
	if err != nil {
		r.err = err
		s.log.Error("Remote control is off: "+err.Error(), "address", addr)
		return
	}
	var reqLog *slog.Logger
	if s.opt.Logger != nil {
		reqLog = s.opt.Logger // the terminal, not the log panel: one line per request
	}
	r.srv = api.New(api.Options{
		Controller: windowControl{s}, Token: r.currentToken,
		Logger: reqLog, Events: s.events, Version: s.opt.Version,
	})
	r.addr = ln.Addr().String()
	go func() { r.done <- r.srv.Serve(ln) }()
	s.log.Info("Remote control on: the web monitor, /api/v1, /metrics and /hls/", "url", remoteURL(r.addr))
}

// stopRemote stops the API server, if any, and waits for it briefly.
func (s *Studio) stopRemote() {
	r := s.remote
	s.remote = nil
	if r == nil || r.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	// Requests in flight wait for the Fyne goroutine, which is here:
	// they end at once with errClosing or time out; the server does not
	// wait for them past ctx.
	go func() { _ = r.srv.Shutdown(ctx) }()
	select {
	case <-r.done:
	case <-ctx.Done():
	}
}

// remoteURL is the web monitor's address for people: a wildcard listen
// address becomes this computer's name.
func remoteURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr + "/"
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}

// remoteDialog is the open Remote control dialog, for tests.
type remoteDialog struct {
	dlg     *dialogHandle
	enabled *widget.Check
	listen  *widget.Entry
	token   *widget.Label
	show    *widget.Button
	copyBtn *widget.Button
	renew   *widget.Button
	status  *widget.Label
	link    *widget.Hyperlink
	shown   bool
}

// showRemote opens File › Remote control….
func (s *Studio) showRemote() {
	d := &remoteDialog{}
	d.enabled = widget.NewCheck(tr("Serve the API, metrics, web monitor and Local HLS"), nil)
	d.enabled.SetChecked(s.cfg.API.Enabled)
	d.listen = widget.NewEntry()
	d.listen.SetText(s.cfg.API.ListenAddr())
	d.listen.SetPlaceHolder(settings.DefaultAPIListen)
	d.token = widget.NewLabel("")
	d.token.TextStyle.Monospace = true
	d.show = widget.NewButton(tr("Show"), func() { d.shown = !d.shown; s.fillRemote(d) })
	d.copyBtn = widget.NewButton(tr("Copy"), func() {
		s.app.Clipboard().SetContent(s.cfg.API.Token)
		d.status.SetText(tr("Token copied. Paste it in the web monitor's login, or send it as Authorization: Bearer TOKEN."))
	})
	d.renew = widget.NewButton(tr("New token"), func() {
		s.ask(tr("Make a new token?"), tr("Scripts, browsers and Prometheus that use the current token stop working until they get the new one."), tr("Make a new token"), func() {
			s.applyRemote(d, func(a *settings.API) { a.Token = settings.NewToken() })
		})
	})
	d.status = widget.NewLabel("")
	d.status.Wrapping = fyne.TextWrapWord
	d.link = widget.NewHyperlink("", nil)
	d.enabled.OnChanged = func(on bool) { s.applyRemote(d, func(a *settings.API) { a.Enabled = on }) }
	d.listen.OnSubmitted = func(addr string) {
		s.applyRemote(d, func(a *settings.API) { a.Listen = listenSetting(addr) })
	}
	apply := widget.NewButton(tr("Apply"), func() { d.listen.OnSubmitted(d.listen.Text) })
	warn := widget.NewLabel(tr("No TLS: keep it on 127.0.0.1 (this computer), or use 0.0.0.0:8770 on a network you trust or behind a reverse proxy with TLS. Every request needs the token."))
	warn.Wrapping = fyne.TextWrapWord
	warn.Importance = widget.WarningImportance
	form := widget.NewForm(
		widget.NewFormItem("", d.enabled),
		widget.NewFormItem(tr("Listen on"), container.NewBorder(nil, nil, nil, apply, d.listen)),
		widget.NewFormItem(tr("Token"), container.NewBorder(nil, nil, nil, container.NewHBox(d.show, d.copyBtn, d.renew), d.token)),
		widget.NewFormItem(tr("Web monitor"), d.link),
	)
	closeBtn := widget.NewButton(tr("Close"), func() {
		d.dlg.Hide()
		s.remoteDlg = nil
	})
	s.fillRemote(d)
	d.dlg = s.showCustom(tr("Remote control"), container.NewBorder(form, container.NewHBox(closeBtn), nil, nil,
		container.NewVBox(warn, d.status)), fyne.NewSize(620, 400))
	s.remoteDlg = d
}

// listenSetting is what the file keeps for addr: nothing for the default.
func listenSetting(addr string) string {
	addr = strings.TrimSpace(addr)
	if addr == settings.DefaultAPIListen {
		return ""
	}
	return addr
}

// applyRemote changes the API settings (a token is made at first use),
// saves them and restarts the server; the dialog says what became of it.
func (s *Studio) applyRemote(d *remoteDialog, change func(*settings.API)) {
	err := s.commit(func(c *settings.Config) {
		change(&c.API)
		if c.API.Enabled && c.API.Token == "" {
			c.API.Token = settings.NewToken()
		}
	})
	if err != nil {
		d.status.SetText(tr("Not saved: {{.Reason}}", "Reason", engineText(settings.Summary(err))))
		return
	}
	s.startRemote()
	s.fillRemote(d)
}

// fillRemote shows the settings and the server's state.
func (s *Studio) fillRemote(d *remoteDialog) {
	a := s.cfg.API
	switch {
	case a.Token == "":
		d.token.SetText(tr("made when you switch it on"))
	case d.shown:
		d.token.SetText(a.Token)
	default:
		d.token.SetText(settings.MaskSecret(a.Token))
	}
	if d.shown {
		d.show.SetText(tr("Hide"))
	} else {
		d.show.SetText(tr("Show"))
	}
	for _, b := range []*widget.Button{d.show, d.copyBtn, d.renew} {
		if a.Token == "" {
			b.Disable()
		} else {
			b.Enable()
		}
	}
	r := s.remote
	switch {
	case !a.Enabled:
		d.status.SetText(tr("Off: nothing listens."))
		d.link.SetText(tr("(off)"))
		d.link.SetURL(nil)
	case r == nil || r.err != nil:
		msg := tr("not started")
		if r != nil {
			msg = engineText(r.err.Error())
		}
		d.status.SetText(tr("Could not start: {{.Reason}}", "Reason", msg))
		d.link.SetText(tr("(off)"))
		d.link.SetURL(nil)
	default:
		u := remoteURL(r.addr)
		d.status.SetText(tr("On, at {{.Addr}}. Prometheus scrapes {{.URL}}metrics; Local HLS plays at {{.URL}}hls/STREAM/index.m3u8.", "Addr", r.addr, "URL", u))
		d.link.SetText(u)
		pu, _ := url.Parse(u)
		d.link.SetURL(pu)
	}
}
