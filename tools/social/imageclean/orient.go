package imageclean

import (
	"image"
	"image/color"
	"image/draw"
)

// orient returns m turned upright according to EXIF orientation o (TIFF
// 6.0, tag 274): 2 mirrors it left–right, 3 turns it 180°, 4 mirrors it
// top–bottom, 5 mirrors it along the main diagonal (transpose), 6 turns it
// 90° clockwise, 7 mirrors it along the other diagonal, 8 turns it 90°
// anticlockwise. Any other o returns m. The result has the pixel type of m
// where that type stores pixels in a flat array, so a paletted or 16-bit
// PNG stays one; YCbCr becomes RGBA.
func orient(m image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return m
	}
	src := flat(m)
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	r := image.Rect(0, 0, w, h)
	if o >= 5 {
		r = image.Rect(0, 0, h, w)
	}
	dst := newLike(src, r)
	sp, ss, bpp := pixels(src)
	dp, ds, _ := pixels(dst)
	for y := range h {
		row := sp[y*ss : y*ss+w*bpp]
		for x := range w {
			var dx, dy int
			switch o {
			case 2:
				dx, dy = w-1-x, y
			case 3:
				dx, dy = w-1-x, h-1-y
			case 4:
				dx, dy = x, h-1-y
			case 5:
				dx, dy = y, x
			case 6:
				dx, dy = h-1-y, x
			case 7:
				dx, dy = h-1-y, w-1-x
			case 8:
				dx, dy = y, w-1-x
			}
			i := dy*ds + dx*bpp
			copy(dp[i:i+bpp], row[x*bpp:])
		}
	}
	return dst
}

// flat returns m if its type stores pixels in a flat array pixels knows,
// or else a copy of it in one: YCbCr (JPEG, lossy WebP) becomes RGBA,
// NYCbCrA (lossy WebP with alpha) NRGBA, anything else RGBA64.
func flat(m image.Image) image.Image {
	b := m.Bounds()
	switch m := m.(type) {
	case *image.RGBA, *image.NRGBA, *image.RGBA64, *image.NRGBA64, *image.Gray, *image.Gray16,
		*image.Alpha, *image.Alpha16, *image.CMYK, *image.Paletted:
		return m
	case *image.YCbCr:
		dst := image.NewRGBA(b)
		draw.Draw(dst, b, m, b.Min, draw.Src)
		return dst
	case *image.NYCbCrA:
		dst := image.NewNRGBA(b)
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				yi, ci := m.YOffset(x, y), m.COffset(x, y)
				r, g, bl := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
				i := dst.PixOffset(x, y)
				dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2], dst.Pix[i+3] = r, g, bl, m.A[m.AOffset(x, y)]
			}
		}
		return dst
	default:
		dst := image.NewRGBA64(b)
		draw.Draw(dst, b, m, b.Min, draw.Src)
		return dst
	}
}

// pixels returns the pixel array of a flat image from its top-left pixel,
// its stride and its bytes per pixel.
func pixels(m image.Image) (pix []byte, stride, bpp int) {
	p0 := m.Bounds().Min
	switch m := m.(type) {
	case *image.RGBA:
		return m.Pix[m.PixOffset(p0.X, p0.Y):], m.Stride, 4
	case *image.NRGBA:
		return m.Pix[m.PixOffset(p0.X, p0.Y):], m.Stride, 4
	case *image.CMYK:
		return m.Pix[m.PixOffset(p0.X, p0.Y):], m.Stride, 4
	case *image.RGBA64:
		return m.Pix[m.PixOffset(p0.X, p0.Y):], m.Stride, 8
	case *image.NRGBA64:
		return m.Pix[m.PixOffset(p0.X, p0.Y):], m.Stride, 8
	case *image.Gray:
		return m.Pix[m.PixOffset(p0.X, p0.Y):], m.Stride, 1
	case *image.Alpha:
		return m.Pix[m.PixOffset(p0.X, p0.Y):], m.Stride, 1
	case *image.Paletted:
		return m.Pix[m.PixOffset(p0.X, p0.Y):], m.Stride, 1
	case *image.Gray16:
		return m.Pix[m.PixOffset(p0.X, p0.Y):], m.Stride, 2
	case *image.Alpha16:
		return m.Pix[m.PixOffset(p0.X, p0.Y):], m.Stride, 2
	}
	panic("imageclean: pixels of a non-flat image") // flat returns only the types above
}

// newLike returns a new image of the type of the flat image m with bounds r.
func newLike(m image.Image, r image.Rectangle) image.Image {
	switch m := m.(type) {
	case *image.RGBA:
		return image.NewRGBA(r)
	case *image.NRGBA:
		return image.NewNRGBA(r)
	case *image.CMYK:
		return image.NewCMYK(r)
	case *image.RGBA64:
		return image.NewRGBA64(r)
	case *image.NRGBA64:
		return image.NewNRGBA64(r)
	case *image.Gray:
		return image.NewGray(r)
	case *image.Alpha:
		return image.NewAlpha(r)
	case *image.Paletted:
		return image.NewPaletted(r, m.Palette)
	case *image.Gray16:
		return image.NewGray16(r)
	case *image.Alpha16:
		return image.NewAlpha16(r)
	}
	panic("imageclean: newLike of a non-flat image")
}
