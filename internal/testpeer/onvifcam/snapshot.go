package onvifcam

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
)

// Snapshot dimensions.
const (
	SnapshotWidth  = 320
	SnapshotHeight = 180
)

// makeSnapshot encodes the JPEG the device serves: colour bars over a grey
// ramp.
func makeSnapshot() ([]byte, error) {
	bars := []color.RGBA{
		{255, 255, 255, 255}, {255, 255, 0, 255}, {0, 255, 255, 255}, {0, 255, 0, 255},
		{255, 0, 255, 255}, {255, 0, 0, 255}, {0, 0, 255, 255}, {0, 0, 0, 255},
	}
	img := image.NewRGBA(image.Rect(0, 0, SnapshotWidth, SnapshotHeight))
	for y := range SnapshotHeight {
		for x := range SnapshotWidth {
			c := bars[x*len(bars)/SnapshotWidth]
			if y >= SnapshotHeight*3/4 {
				v := uint8(x * 255 / (SnapshotWidth - 1))
				c = color.RGBA{v, v, v, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
