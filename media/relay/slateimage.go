package relay

import (
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // slate images
	_ "image/png"
	"io/fs"
	"os"
)

// maxImageSide bounds a slate image or a logo: beyond it the file is more
// likely a mistake than a picture, and decoding it would take a lot of
// memory.
const maxImageSide = 8192

// LoadSlateImage reads a PNG or JPEG file for SlateConfig.Image. Its
// errors wrap ErrInvalid and say what to do.
func LoadSlateImage(path string) (image.Image, error) {
	return loadImage("slate.image", "slate image", path)
}

// LoadOverlayImage reads a PNG or JPEG logo for OverlayConfig.Image.
func LoadOverlayImage(path string) (image.Image, error) {
	return loadImage("overlay.image", "logo", path)
}

// loadImage reads a PNG or JPEG file; errors name field and what.
func loadImage(field, what, path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, invalidField(field, "%s %s: no such file: choose a PNG or JPEG picture", what, path)
		case errors.Is(err, fs.ErrPermission):
			return nil, invalidField(field, "%s %s: not allowed to read it: check the file's permissions", what, path)
		}
		return nil, invalidField(field, "%s %s: %v", what, path, errors.Unwrap(err))
	}
	defer f.Close()
	cfg, format, err := image.DecodeConfig(f)
	if err != nil {
		return nil, invalidField(field, "%s %s is not a PNG or JPEG picture", what, path)
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > maxImageSide || cfg.Height > maxImageSide {
		return nil, invalidField(field, "%s %s is %dx%d: make it at most %dx%d (1920x1080 is plenty)",
			what, path, cfg.Width, cfg.Height, maxImageSide, maxImageSide)
	}
	if _, err := f.Seek(0, 0); err != nil {
		return nil, invalidField(field, "%s %s: %v", what, path, err)
	}
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, invalidField(field, "%s %s: the %s picture is damaged: %v", what, path, format, err)
	}
	return img, nil
}

// errSlateGone ends a stream whose camera stayed away past the slate's
// give-up time.
func errSlateGone(after string) error {
	return fmt.Errorf("the camera stayed away for %s: the stream stopped (start it again once the camera is back)", after)
}
