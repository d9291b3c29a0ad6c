package relay

import "image"

// uniform reports whether every pixel of img has the same colour.
func uniform(img *image.RGBA) bool {
	if img == nil || len(img.Pix) < 4 {
		return true
	}
	for i := 4; i < len(img.Pix); i += 4 {
		if img.Pix[i] != img.Pix[0] || img.Pix[i+1] != img.Pix[1] || img.Pix[i+2] != img.Pix[2] {
			return false
		}
	}
	return true
}
