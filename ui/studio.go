// Package ui is Relay Studio's window. It is made of panels, each owning
// its widgets: the cameras with state badges and thumbnails
// (camerasPanel), the selected camera's preview with Start/Stop above it
// (previewPanel), its destinations (destPanel) and output settings
// (outputPanel) in two tabs, the bitrate graph, the stats (statsPanel) and
// the log (logPanel). The Studio wires them together. Streams start, stop
// and change through studio (as they do for `relaystudio run`); the window
// reads a running relay's stats and preview from media/relay and reaches
// the disk only through settings.
//
// Threading: every widget is changed on the Fyne goroutine. One goroutine
// owned by the Studio (the pump) pulls preview frames (about 15 a second)
// and stats (once a second) from the relays and hands them to the window
// with at most one pending fyne.Do per kind, so a stalled window never
// queues up frames.
package ui

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"github.com/relaystudio/relaystudio/api"
	"github.com/relaystudio/relaystudio/assets"
	"github.com/relaystudio/relaystudio/settings"
	"github.com/relaystudio/relaystudio/studio"

	// Sets LANGUAGE before Fyne reads the locale, for every program (and
	// test binary) that uses this package.
	_ "github.com/relaystudio/relaystudio/ui/fynelocale"
)

// AppID is the application's identifier (FyneApp.toml's Details.ID).
const AppID = "io.github.relaystudio.RelayStudio"

// Options configures the studio window.
type Options struct {
	// ConfigPath is the settings file. Required. It is created with the
	// test pattern when missing.
	ConfigPath string
	// Logger also receives every event the log panel shows (the terminal).
	// Nil sends them to the log panel only.
	Logger *slog.Logger
	// Version is the build's version, for Help › About.
	Version string
}

// Studio is the studio window and the streams it runs. Create it with New;
// Close stops every stream. Its methods must be called on the Fyne
// goroutine.
type Studio struct {
	app  fyne.App
	win  fyne.Window
	menu *fyne.MainMenu // File and Stream menus; their shortcuts work whatever has the focus
	// outputEdit and keyEdit hold what typing in the output fields and in
	// a stream key will do once the typing pauses.
	outputEdit, keyEdit *debouncer
	opt                 Options
	logs                *LogBuffer
	log                 *slog.Logger
	// do runs a function on the Fyne goroutine (fyne.Do; tests serialise
	// it with their own lock).
	do func(func())

	cfg *settings.Config
	// streams runs the streams of cfg; views[i].stream is cfg.Streams[i]'s.
	streams *studio.Studio
	// broken is why the settings file could not be loaded; while it is
	// set nothing is saved, so the file stays as it was for the person to
	// fix or replace.
	broken error

	views    []*streamView // parallel to cfg.Streams
	selected int
	// splits are the window's dividers, kept with its size in the
	// settings (see geometry.go).
	splits struct{ cameras, controls, bottom, log *container.Split }

	// The panels, each owning its widgets (tests drive them as a person
	// would).
	cams    *camerasPanel
	preview *previewPanel
	tabs    *container.AppTabs // destinations, output
	output  *outputPanel
	dests   *destPanel
	stats   *statsPanel
	logp    *logPanel

	banner *widget.Label
	// remote is the API server while Remote control is on; events is the
	// log it streams; remoteDlg the open Remote control dialog.
	remote         *remote
	events         *api.Events
	remoteDlg      *remoteDialog
	cameraForm     *cameraForm   // the open add/edit dialog, if any
	finder         *finder       // the open Find cameras dialog, if any
	destForm       *destForm     // the open add-destination dialog, if any
	confirm        *confirmation // the open question, if any
	loadProblem    *loadProblem  // the open "settings could not be loaded" dialog
	aboutDlg       *about        // the open About dialog, if any
	lastSaveErr    error
	closing        bool
	snapping       bool        // a thumbnail snapshot runs (snapshotIdle)
	onQuit         func()      // Run's exitIfStuck
	streamsStopped atomic.Bool // quit has stopped every stream
	cpu            cpuMeter
	cpuPercent     float64

	// Shared with the pump goroutine.
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup // the pump, relay closers, probes
	mu      sync.Mutex
	active  []activeRelay // relays the pump reads from, published by the UI
	logDirt atomic.Bool
	closed  bool
}

// New loads the settings at opt.ConfigPath (creating them when missing)
// and builds the window. A file that fails to load does not make New fail:
// the window says what is wrong and offers to open the file or start from
// defaults after keeping a copy. The first stream is selected and
// previewing.
func New(a fyne.App, opt Options) (*Studio, error) {
	return newStudio(a, opt, fyne.Do)
}

// doOnMain is fyne.Do for the studio's goroutines, less one case: once
// Fyne's loop has stopped (a SIGTERM, the last window closed), fyne.Do runs
// f at once on the calling goroutine, where touching widgets is a data
// race; the window is gone by then, so f is dropped.
func doOnMain(f func()) {
	fyne.Do(func() {
		if onMainGoroutine() {
			f()
		}
	})
}

// onMainGoroutine tells whether it runs on goroutine 1, where Fyne's loop
// runs (Fyne's own check reads the same stack header).
func onMainGoroutine() bool {
	var buf [32]byte
	n := runtime.Stack(buf[:], false)
	return bytes.HasPrefix(buf[:n], []byte("goroutine 1 "))
}

func newStudio(a fyne.App, opt Options, do func(func())) (*Studio, error) {
	if opt.ConfigPath == "" {
		return nil, errors.New(tr("ui: no settings file path"))
	}
	s := &Studio{app: a, opt: opt, do: do, logs: &LogBuffer{Size: 500}}
	s.outputEdit = &debouncer{delay: editPause, do: do}
	s.keyEdit = &debouncer{delay: editPause, do: do}
	if opt.Logger != nil {
		s.logs.Next = opt.Logger.Handler()
	}
	s.events = api.NewEvents(nil)
	s.log = slog.New(slog.NewMultiHandler(s.logs.Handler(), s.events))
	s.streams = studio.New(studio.Options{Logger: s.log})
	s.logs.SetOnChange(func() { s.logDirt.Store(true) })
	s.ctx, s.cancel = context.WithCancel(context.Background())

	cfg, created, err := settings.LoadOrCreate(opt.ConfigPath)
	switch {
	case err != nil:
		s.broken = err
		cfg = settings.Default()
		s.log.Error("the settings file could not be loaded; nothing is saved until you choose what to do", "path", opt.ConfigPath)
	case created:
		s.log.Info("created the settings file with the test pattern", "path", opt.ConfigPath)
	}
	if p := settings.PrivacyProblem(opt.ConfigPath); p != "" {
		s.log.Warn(p)
	}
	s.cfg = cfg
	// The window speaks the language the settings ask for (or the
	// system's) from the first widget on.
	useLanguage(cfg.Studio.Language)
	hanNames.Store(namesHaveHan(cfg))
	a.Settings().SetTheme(newStudioTheme())
	for range cfg.Streams {
		s.views = append(s.views, s.newStreamView())
	}

	s.win = a.NewWindow("Relay Studio")
	s.win.SetContent(s.build())
	s.win.Resize(s.savedSize())
	s.restoreSplits()
	s.win.SetCloseIntercept(s.requestQuit)
	s.addShortcuts()

	if s.broken != nil {
		s.showLoadProblem()
	}
	if len(s.views) > 0 {
		s.selectStream(s.savedSelection())
	} else {
		s.refreshSelection()
	}
	if s.broken == nil {
		s.autostart()
		s.startRemote()
	}
	s.wg.Add(1)
	go s.pump()
	return s, nil
}

// Run opens the studio window and returns when it is closed, after every
// stream has stopped.
func Run(opt Options) error {
	a := app.NewWithID(AppID)
	a.SetIcon(assets.Icon)
	s, err := newStudio(a, opt, doOnMain)
	if err != nil {
		return err
	}
	defer s.Close()
	s.onQuit = s.exitIfStuck
	s.win.SetMaster()
	s.win.ShowAndRun()
	// Fyne's driver quits the app on Ctrl-C in the terminal and on SIGTERM
	// (a logout, a service manager); the streams still stop cleanly.
	if !s.closing {
		s.closing = true
		s.keepGeometry()
		s.log.Info("asked to quit: stopping every stream")
	}
	return nil
}

// Window returns the studio's window.
func (s *Studio) Window() fyne.Window { return s.win }

// Close stops every stream and the window's own goroutines, and waits for
// them. It is safe to call more than once. It does not close the window.
func (s *Studio) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.active = nil
	s.mu.Unlock()
	s.outputEdit.Stop()
	s.keyEdit.Stop()
	s.cancel()
	s.stopRemote()
	s.streams.Close()
	s.wg.Wait()
}

// editPause is how long typing must pause before what was typed applies.
const editPause = 1200 * time.Millisecond

// requestQuit closes the window, asking first when streams are live.
func (s *Studio) requestQuit() {
	if s.closing {
		return
	}
	s.outputEdit.Flush() // what was typed is saved, not lost
	live := 0
	for _, v := range s.views {
		if v.streaming() {
			live++
		}
	}
	if live == 0 {
		s.quit()
		return
	}
	s.ask(tr("Quit Relay Studio?"), trn("{{.Count}} stream is live. Quitting stops it.", live), tr("Stop and quit"), s.quit)
}

// quit stops every stream cleanly, then closes the window (and the app).
func (s *Studio) quit() {
	if s.closing {
		return
	}
	s.closing = true
	s.keepGeometry()
	s.log.Info("quitting: stopping every stream")
	if s.onQuit != nil {
		s.onQuit()
	}
	s.Close() // drops pending typing too: no restart of streams that stop
	s.streamsStopped.Store(true)
	s.win.Close()
}

// quitGrace bounds how long the real app may take to end once quitting
// has begun. Under Wine the window system has been seen, rarely, to keep
// the process alive after the window closed; an invisible process that
// holds its files open is worse than an exit, and by then the settings are
// saved (every change is saved when made).
const quitGrace = 15 * time.Second

// exitIfStuck ends the process quitGrace after quitting began, if it has
// not ended by itself: with 0 once the streams have stopped, 1 if even
// they had not. Only Run arms it, never a test.
func (s *Studio) exitIfStuck() {
	time.AfterFunc(quitGrace, func() {
		stopped := s.streamsStopped.Load()
		s.log.Error("still running 15 s after quitting: exiting anyway", "streams stopped", stopped)
		if stopped {
			os.Exit(0)
		}
		os.Exit(1)
	})
}

// Keyboard shortcuts. Ctrl+N and Ctrl+Q are menu items too: the window
// hands a shortcut to the menu before the focused widget, so they work
// while the cursor is in an entry.
var (
	shortcutNewCamera = &desktop.CustomShortcut{KeyName: fyne.KeyN, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutQuit      = &desktop.CustomShortcut{KeyName: fyne.KeyQ, Modifier: fyne.KeyModifierShortcutDefault}
)

func (s *Studio) addShortcuts() {
	s.menu = s.buildMenu()
	s.win.SetMainMenu(s.menu)

	c := s.win.Canvas()
	c.AddShortcut(shortcutNewCamera, func(fyne.Shortcut) { s.showCameraForm(-1) })
	c.AddShortcut(shortcutQuit, func(fyne.Shortcut) { s.requestQuit() })
	// Space reaches the canvas only when nothing has the focus, so typing a
	// space in a name never starts a stream (the camera list, once tapped,
	// passes it on: see cameraList). With a dialog open it does nothing:
	// the stream behind the dialog is not what the person looks at.
	c.SetOnTypedKey(func(e *fyne.KeyEvent) {
		if e.Name == fyne.KeySpace {
			s.toggleSelected()
		}
	})
}

// save writes the settings, or says why it cannot.
func (s *Studio) save() error {
	if s.broken != nil {
		return errors.New(tr("not saved: the settings file {{.File}} could not be loaded; open it to fix it, or start from defaults", "File", s.opt.ConfigPath))
	}
	err := s.cfg.Save(s.opt.ConfigPath)
	s.lastSaveErr = err
	return err
}

// commit applies change to the settings, validates and saves them; on any
// error the settings are put back as they were and the error returned.
func (s *Studio) commit(change func(c *settings.Config)) error {
	before, beforeAPI := cloneStreams(s.cfg.Streams), s.cfg.API
	change(s.cfg)
	err := s.cfg.Validate()
	if err == nil {
		err = s.save()
	}
	if err != nil {
		s.cfg.Streams, s.cfg.API = before, beforeAPI
		return err
	}
	s.fontForNames()
	return nil
}

// commitOrShow is commit with the error shown in a dialog and the log.
func (s *Studio) commitOrShow(change func(c *settings.Config)) bool {
	if err := s.commit(change); err != nil {
		s.showError(err)
		return false
	}
	return true
}

func (s *Studio) showError(err error) {
	s.log.Error(err.Error())
	s.ask(tr("Something went wrong"), engineText(err.Error()), "", nil)
}

func cloneStreams(in []settings.Stream) []settings.Stream {
	out := make([]settings.Stream, len(in))
	for i, st := range in {
		st.Destinations = append([]settings.Destination(nil), st.Destinations...)
		out[i] = st
	}
	return out
}

// loadProblem is the dialog shown when the settings file cannot be read.
type loadProblem struct {
	dlg               *dialogHandle
	openBtn, resetBtn *widget.Button
	message           *widget.Label
}

// fileURL is the file:// URL of path, absolute, with the characters a path
// may hold (spaces, #, ?) escaped.
func fileURL(path string) *url.URL {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return &url.URL{Scheme: "file", Path: filepath.ToSlash(path)}
}

func (s *Studio) showLoadProblem() {
	lp := &loadProblem{}
	lp.message = widget.NewLabel(tr("The settings file could not be loaded:\n\n{{.Reason}}\n\nFile: {{.File}}\n\nNothing will be saved until you fix it or start from defaults.",
		"Reason", engineText(s.broken.Error()), "File", s.opt.ConfigPath))
	lp.message.Wrapping = fyne.TextWrapWord
	lp.openBtn = widget.NewButton(tr("Open the file"), func() {
		err := s.app.OpenURL(fileURL(s.opt.ConfigPath))
		if err != nil {
			s.log.Error("cannot open the settings file", "path", s.opt.ConfigPath, "error", err)
		}
	})
	lp.resetBtn = widget.NewButton(tr("Start from defaults (keep a copy)"), func() { s.resetBrokenSettings() })
	lp.resetBtn.Importance = widget.HighImportance
	content := container.NewBorder(nil, container.NewHBox(lp.openBtn, lp.resetBtn), nil, nil, lp.message)
	lp.dlg = s.showCustom(tr("Settings could not be loaded"), content, fyne.NewSize(560, 320))
	s.loadProblem = lp
	s.banner.SetText(tr("Settings file could not be loaded: changes are not saved. {{.File}}", "File", s.opt.ConfigPath))
	s.banner.Show()
}

// resetBrokenSettings keeps a copy of the unreadable file and starts again
// from the defaults.
func (s *Studio) resetBrokenSettings() {
	kept, err := settings.KeepBroken(s.opt.ConfigPath, time.Now())
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.showError(err)
		return
	}
	s.broken = nil
	// What was typed while nothing could be saved is dropped: the fields
	// show the defaults that are saved now.
	s.outputEdit.Stop()
	s.keyEdit.Stop()
	if err := s.save(); err != nil {
		s.showError(err)
		return
	}
	if s.selected >= 0 && s.selected < len(s.cfg.Streams) {
		s.output.fill(s.cfg.Streams[s.selected])
	}
	if kept != "" {
		s.log.Info("kept a copy of the old settings file", "copy", kept)
	}
	if s.loadProblem != nil {
		s.loadProblem.dlg.Hide()
		s.loadProblem = nil
	}
	s.banner.Hide()
}

// autostart starts the streams marked autostart = true, as `relaystudio
// run` does; one that cannot start says why in the log, not in a dialog
// that would greet the person at every start.
func (s *Studio) autostart() {
	s.streams.Autostart(s.cfg.Streams, func(i int) *studio.Stream { return s.views[i].stream })
	for i := range s.views {
		s.afterRun(i)
		s.refreshStream(i)
	}
	s.publish()
}
