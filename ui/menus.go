package ui

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"reflect"

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
const licenceText = `Relay Studio includes FFmpeg 5.1 and x264, built from Debian 12's sources. ` +
	`Because x264 is GPL, Relay Studio as distributed is licensed under the GNU General Public License, ` +
	`version 2 or later. FFmpeg is LGPL-2.1-or-later and GPL-2.0-or-later as built here. Fyne, gortsplib, ` +
	`go-rtmp, pion and the other Go modules are under BSD-3-Clause, MIT and Apache-2.0. ` +
	`The licence texts are installed with the studio, in its licenses folder.`

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
	text := widget.NewLabel(fmt.Sprintf("Relay Studio %s\nBuilt with %s\n\nRelay IP cameras to YouTube, Twitch, Facebook or any RTMP(S) server.\n\n%s",
		version, codec.FFmpegBuild(), licenceText))
	text.Wrapping = fyne.TextWrapWord
	link := widget.NewHyperlink(website, nil)
	link.SetURLFromString(website)
	var a about
	a.text = text
	closeBtn := widget.NewButton("Close", func() { a.dlg.Hide() })
	a.dlg = s.showCustom("About Relay Studio", container.NewBorder(nil, container.NewHBox(link, closeBtn), nil, nil, text), fyne.NewSize(560, 360))
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
		return fmt.Errorf("cannot export the settings to %s: %w", name, err)
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
		return fmt.Errorf("cannot import %s: %w", path, err)
	}
	if s.broken != nil {
		return errors.New("the settings file could not be loaded: fix it or start from defaults before importing")
	}
	s.outputEdit.Flush()
	s.keyEdit.Flush()
	before := cloneStreams(s.cfg.Streams)
	if err := s.commit(func(c *settings.Config) { c.Merge(other) }); err != nil {
		return fmt.Errorf("cannot import %s: %w", path, err)
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
