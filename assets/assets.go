// Package assets holds Relay Studio's embedded resources: the application
// icon, drawn by icongen from the geometry of icon.svg.
package assets

import (
	_ "embed"

	"fyne.io/fyne/v2"
)

//go:generate go run ./icongen .

//go:embed icon.png
var iconPNG []byte

// Icon is the 512 px application icon, for the window and the packages.
var Icon = fyne.NewStaticResource("relaystudio.png", iconPNG)
