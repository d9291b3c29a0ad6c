package ui

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"reflect"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"github.com/relaystudio/relaystudio/media/codec"
	"github.com/relaystudio/relaystudio/settings"
)

// website is the project's home (FyneApp.toml's Website).
const website = "https://github.com/relaystudio/relaystudio"

// licenceText is what Help › About says of the licences; the files are
// installed with the studio (licenses/ in the zip and the tarball,
// /usr/share/doc/relaystudio with the .deb).
func licenceText() string {
	return tr("Relay Studio includes FFmpeg 5.1 and x264, built from Debian 12's sources. Because x264 is GPL, Relay Studio as distributed is licensed under the GNU General Public License, version 2 or later. FFmpeg is LGPL-2.1-or-later and GPL-2.0-or-later as built here. Fyne, gortsplib, go-rtmp, pion and the other Go modules are under BSD-3-Clause, MIT and Apache-2.0. The licence texts are installed with the studio, in its licenses folder.")
}

// buildMenu makes the main menu in the language in use: File, Stream and
// Help. Ctrl+N and Ctrl+Q are its shortcuts (see addShortcuts).
func (s *Studio) buildMenu() *fyne.MainMenu {
	newCamera := fyne.NewMenuItem(tr("New camera…"), func() { s.showCameraForm(-1) })
	newCamera.Shortcut = shortcutNewCamera
	quit := fyne.NewMenuItem(tr("Quit"), s.requestQuit)
	quit.Shortcut, quit.IsQuit = shortcutQuit, true
	toggle := fyne.NewMenuItem(tr("Start or stop the selected stream (Space)"), s.toggleSelected)
	language := fyne.NewMenuItem(tr("Language"), nil)
	language.ChildMenu = s.languageMenu()
	return fyne.NewMainMenu(
		fyne.NewMenu(tr("File"), newCamera, fyne.NewMenuItemSeparator(),
			fyne.NewMenuItem(tr("Import settings…"), s.showImport),
			fyne.NewMenuItem(tr("Export settings (without keys and passwords)…"), s.showExport),
			fyne.NewMenuItemSeparator(),
			fyne.NewMenuItem(tr("Remote control (API, web monitor, metrics)…"), s.showRemote),
			language,
			fyne.NewMenuItemSeparator(), quit),
		fyne.NewMenu(tr("Stream"), toggle,
			fyne.NewMenuItem(tr("Start all"), s.startAll), fyne.NewMenuItem(tr("Stop all"), s.stopAll)),
		fyne.NewMenu(tr("Help"),
			fyne.NewMenuItem(tr("Relay Studio on the web"), s.openWebsite),
			fyne.NewMenuItem(tr("About Relay Studio"), s.showAbout)),
	)
}

// languageMenu offers the window's languages: the system's, then each
// language by its own name (settings.Languages); the saved choice is
// checked.
func (s *Studio) languageMenu() *fyne.Menu {
	item := func(label, code string) *fyne.MenuItem {
		it := fyne.NewMenuItem(label, func() { s.chooseLanguage(code) })
		it.Checked = s.cfg.Studio.Language == code
		return it
	}
	items := []*fyne.MenuItem{item(tr("System"), "")}
	for _, code := range settings.Languages {
		items = append(items, item(languageNames[code], code))
	}
	return fyne.NewMenu("", items...)
}

// chooseLanguage saves code ("" for the system's) as the window's language,
// as the preview rate is saved, and shows the window in it at once. A
// choice that cannot be saved (the settings file could not be loaded)
// still applies until the window closes, and is saved with the next
// change that can be.
func (s *Studio) chooseLanguage(code string) {
	if code != "" && !slices.Contains(settings.Languages, code) {
		return
	}
	if code != s.cfg.Studio.Language {
		s.cfg.Studio.Language = code
		if err := s.save(); err != nil {
			s.log.Warn("language not saved", "error", err)
		} else {
			s.log.Info("language changed", "language", nonEmpty(code, "system"))
		}
	}
	s.setLanguage(code)
}

// setLanguage makes code ("en", "zh-CN", or "" for the system's) the
// window's language and rebuilds what the window shows in it while the
// streams run on: the main menu, and the panels, which show the same
// stream, tab, filters and divider positions as before. Open dialogs
// close first, as Cancel would close them (what was typed in them is
// dropped), except the one about a settings file that could not be
// loaded, which opens again in the new language. Typing that is waiting
// to apply applies first. On the Fyne goroutine.
func (s *Studio) setLanguage(code string) {
	useLanguage(code)
	s.reapplyTheme() // the font follows the language
	if s.closing {
		return
	}
	s.outputEdit.Flush()
	s.keyEdit.Flush()
	s.closeDialogs()

	// What the panels show that the settings do not keep.
	offsets := [4]float64{s.splits.cameras.Offset, s.splits.controls.Offset, s.splits.bottom.Offset, s.splits.log.Offset}
	tab := s.tabs.SelectedIndex()
	logStream, warningsOnly := s.logp.stream.SelectedIndex(), s.logp.problems.Checked
	oldPreview := s.preview

	s.menu = s.buildMenu()
	s.win.SetMainMenu(s.menu)
	s.win.SetContent(s.build())
	for i, sp := range []*container.Split{s.splits.cameras, s.splits.controls, s.splits.bottom, s.splits.log} {
		sp.SetOffset(offsets[i])
	}
	if tab >= 0 && tab < len(s.tabs.Items) {
		s.tabs.SelectIndex(tab)
	}
	if s.selected >= 0 && s.selected < len(s.views) {
		s.cams.list.Select(s.selected) // the same stream: nothing starts or stops
	}
	s.refreshSelection()
	if logStream > 0 && logStream < len(s.logp.stream.Options) {
		s.logp.stream.SetSelectedIndex(logStream)
	}
	s.logp.problems.SetChecked(warningsOnly)
	s.logp.seen = 0
	s.refreshLog()
	// The picture on screen stays until the next frame replaces it.
	if v := s.selectedView(); v != nil && v.relay() != nil && oldPreview.image.Image != nil {
		s.preview.seq = oldPreview.seq
		s.preview.show(oldPreview.image.Image)
		if oldPreview.msg.Hidden {
			s.preview.msg.Hide()
		}
	}
	s.preview.refreshInfo(s.selectedView())
	s.refreshAllStreams()
	if s.broken != nil {
		s.showLoadProblem()
	}
}

// closeDialogs closes the studio's open dialogs as their Cancel or Close
// would.
func (s *Studio) closeDialogs() {
	s.closeCameraForm() // and the Find cameras dialog over it
	s.closeFinder()
	if f := s.destForm; f != nil {
		f.dlg.Hide()
		s.destForm = nil
	}
	if c := s.confirm; c != nil {
		c.dlg.Hide()
		s.confirm = nil
	}
	if d := s.remoteDlg; d != nil {
		d.dlg.Hide()
		s.remoteDlg = nil
	}
	if a := s.aboutDlg; a != nil {
		a.dlg.Hide()
		s.aboutDlg = nil
	}
	if lp := s.loadProblem; lp != nil {
		lp.dlg.Hide()
		s.loadProblem = nil
	}
}

func (s *Studio) openWebsite() {
	u, _ := url.Parse(website)
	if err := s.app.OpenURL(u); err != nil {
		s.log.Error("cannot open the web browser", "address", website, "error", err)
	}
}

// about is the open About dialog, for tests.
type about struct {
	dlg  *dialogHandle
	text *widget.Label
}

func (s *Studio) showAbout() {
	version := s.opt.Version
	if version == "" {
		version = "dev"
	}
	text := widget.NewLabel("Relay Studio " + version + "\n" + tr("Built with {{.Build}}", "Build", engineText(codec.FFmpegBuild())) + "\n\n" +
		tr("Relay IP cameras to YouTube, Twitch, Facebook or any RTMP(S) server.") + "\n\n" + licenceText())
	text.Wrapping = fyne.TextWrapWord
	link := widget.NewHyperlink(website, nil)
	link.SetURLFromString(website)
	var a about
	a.text = text
	closeBtn := widget.NewButton(tr("Close"), func() { a.dlg.Hide() })
	a.dlg = s.showCustom(tr("About Relay Studio"), container.NewBorder(nil, container.NewHBox(link, closeBtn), nil, nil, text), fyne.NewSize(560, 360))
	s.aboutDlg = &a
}

// showExport asks where to write the settings without their secrets.
func (s *Studio) showExport() {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return // cancelled
		}
		if err := s.exportTo(w, w.URI().Path()); err != nil {
			s.showError(err)
		}
	}, s.win)
	d.SetFileName("relaystudio-settings.toml")
	d.SetFilter(storage.NewExtensionFileFilter([]string{".toml"}))
	d.Show()
}

// exportTo writes the settings without stream keys and camera passwords
// to w, the file name, and closes it.
func (s *Studio) exportTo(w io.WriteCloser, name string) error {
	err := s.cfg.Export(w)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s: %w", tr("cannot export the settings to {{.File}}", "File", name), err)
	}
	s.log.Info("exported the settings, without keys and passwords", "file", name)
	return nil
}

// showImport asks for a settings file to merge into these.
func (s *Studio) showImport() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		path := r.URI().Path()
		r.Close()
		if err := s.importFrom(path); err != nil {
			s.showError(err)
		}
	}, s.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".toml"}))
	d.Show()
}

// importFrom merges the settings file at path into these (see
// settings.Config.Merge): new cameras are added, cameras of the same name
// take the imported settings, and keys and passwords the file lacks are
// kept. A running camera whose settings changed restarts with them.
func (s *Studio) importFrom(path string) error {
	other, err := settings.Load(path)
	if err != nil {
		return fmt.Errorf("%s: %w", tr("cannot import {{.File}}", "File", path), err)
	}
	if s.broken != nil {
		return errors.New(tr("the settings file could not be loaded: fix it or start from defaults before importing"))
	}
	s.outputEdit.Flush()
	s.keyEdit.Flush()
	before := cloneStreams(s.cfg.Streams)
	if err := s.commit(func(c *settings.Config) { c.Merge(other) }); err != nil {
		return fmt.Errorf("%s: %w", tr("cannot import {{.File}}", "File", path), err)
	}
	for len(s.views) < len(s.cfg.Streams) {
		s.views = append(s.views, s.newStreamView())
	}
	changed := 0
	for i := range before {
		if !reflect.DeepEqual(before[i], s.cfg.Streams[i]) {
			changed++
			s.restartStream(i, "imported settings")
		}
	}
	s.log.Info("imported settings", "file", path, "cameras added", len(s.cfg.Streams)-len(before), "cameras changed", changed)
	s.cams.list.Refresh()
	s.refreshSelection()
	return nil
}
