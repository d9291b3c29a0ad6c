package relay

import (
	"strings"

	"github.com/relaystudio/relaystudio/media"
	"github.com/relaystudio/relaystudio/media/codec"
)

// validate checks an overlay without reading its image.
func (o OverlayConfig) validate() error {
	if err := media.CheckCorner(o.ImageCorner); err != nil {
		return invalidField("overlay.image_corner", "logo %v", err)
	}
	if err := media.CheckCorner(o.TextCorner); err != nil {
		return invalidField("overlay.text_corner", "text %v", err)
	}
	if o.ImageWidth < 0 || o.ImageWidth > 3840 {
		return invalidField("overlay.image_width", "logo width %d: want 0 (its own) to 3840 pixels", o.ImageWidth)
	}
	if o.ImageOpacity != 0 && (o.ImageOpacity < 0.05 || o.ImageOpacity > 1) {
		return invalidField("overlay.image_opacity", "logo opacity %g: want 0.05 to 1", o.ImageOpacity)
	}
	if o.Margin < 0 || o.Margin > 500 {
		return invalidField("overlay.margin", "margin %d: want 0 to 500 pixels", o.Margin)
	}
	if o.TextSize < 0 || o.TextSize > 400 {
		return invalidField("overlay.text_size", "text size %d: want 0 (a twentieth of the height) to 400 pixels", o.TextSize)
	}
	if len(o.Text) > 200 || strings.ContainsAny(o.Text, "\r\n") {
		return invalidField("overlay.text", "the overlay text is one line of at most 200 characters")
	}
	if _, err := media.ParseColour(o.TextColour); err != nil {
		return invalidField("overlay.text_colour", "text %v", err)
	}
	return nil
}

// loadOverlay turns an overlay's settings into what the encoder draws,
// reading its logo.
func loadOverlay(o OverlayConfig) (codec.OverlayConfig, error) {
	if err := o.validate(); err != nil {
		return codec.OverlayConfig{}, err
	}
	c := codec.OverlayConfig{
		ImageCorner: codec.Corner(o.ImageCorner), ImageWidth: o.ImageWidth, ImageOpacity: o.ImageOpacity,
		Margin: o.Margin, Text: o.Text, TextSize: o.TextSize,
		TextCorner: codec.Corner(o.TextCorner), TextBox: o.TextBox, Clock: o.Clock,
	}
	if c.ImageCorner == "" {
		c.ImageCorner = codec.TopLeft
	}
	if c.TextCorner == "" {
		c.TextCorner = codec.BottomLeft
	}
	if c.Margin == 0 {
		c.Margin = 16
	}
	c.TextColour, _ = media.ParseColour(o.TextColour)
	if o.Image != "" {
		img, err := loadImage("overlay.image", "logo", o.Image)
		if err != nil {
			return codec.OverlayConfig{}, err
		}
		c.Image = img
	}
	return c, nil
}
