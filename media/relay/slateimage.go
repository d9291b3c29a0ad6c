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

// maxSlateImageSide bounds a slate image: beyond it the file is more
// likely a mistake than a picture, and decoding it would take a lot of
// memory.
const maxSlateImageSide = 8192

// LoadSlateImage reads a PNG or JPEG file for SlateConfig.Image. Its
// errors wrap ErrInvalid and say what to do.
func LoadSlateImage(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, invalidField("slate.image", "slate image %s: no such file: choose a PNG or JPEG picture", path)
		case errors.Is(err, fs.ErrPermission):
			return nil, invalidField("slate.image", "slate image %s: not allowed to read it: check the file's permissions", path)
		}
		return nil, invalidField("slate.image", "slate image %s: %v", path, errors.Unwrap(err))
	}
	defer f.Close()
	cfg, format, err := image.DecodeConfig(f)
	if err != nil {
		return nil, invalidField("slate.image", "slate image %s is not a PNG or JPEG picture", path)
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > maxSlateImageSide || cfg.Height > maxSlateImageSide {
		return nil, invalidField("slate.image", "slate image %s is %dx%d: make it at most %dx%d (1920x1080 is plenty)",
			path, cfg.Width, cfg.Height, maxSlateImageSide, maxSlateImageSide)
	}
	if _, err := f.Seek(0, 0); err != nil {
		return nil, invalidField("slate.image", "slate image %s: %v", path, err)
	}
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, invalidField("slate.image", "slate image %s: the %s picture is damaged: %v", path, format, err)
	}
	return img, nil
}

// errSlateGone ends a stream whose camera stayed away past the slate's
// give-up time.
func errSlateGone(after string) error {
	return fmt.Errorf("the camera stayed away for %s: the stream stopped (start it again once the camera is back)", after)
}
