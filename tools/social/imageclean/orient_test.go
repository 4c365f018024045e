package imageclean

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

// sides says, for each EXIF orientation, on which side of the upright
// picture row 0 and column 0 of the stored picture lie (TIFF 6.0, tag 274).
// The tests derive everything from this table, not from the package's
// formulas.
var sides = map[int][2]string{
	1: {"top", "left"}, 2: {"top", "right"}, 3: {"bottom", "right"}, 4: {"bottom", "left"},
	5: {"left", "top"}, 6: {"right", "top"}, 7: {"right", "bottom"}, 8: {"left", "bottom"},
}

// upright returns where pixel (i, j) of a stored picture with orientation
// o lies in the upright picture of W×H pixels.
func upright(o, i, j, W, H int) (x, y int) {
	switch sides[o][0] { // stored row j
	case "top":
		y = j
	case "bottom":
		y = H - 1 - j
	case "left":
		x = j
	case "right":
		x = W - 1 - j
	}
	switch sides[o][1] { // stored column i
	case "left":
		x = i
	case "right":
		x = W - 1 - i
	case "top":
		y = i
	case "bottom":
		y = H - 1 - i
	}
	return x, y
}

// storedSize returns the size of the stored picture for an upright W×H one.
func storedSize(o, W, H int) (int, int) {
	if o >= 5 {
		return H, W
	}
	return W, H
}

// stored returns the picture a camera stores, with orientation o, for the
// upright picture v.
func stored(v *image.NRGBA, o int) *image.NRGBA {
	W, H := v.Bounds().Dx(), v.Bounds().Dy()
	sw, sh := storedSize(o, W, H)
	s := image.NewNRGBA(image.Rect(0, 0, sw, sh))
	for j := range sh {
		for i := range sw {
			x, y := upright(o, i, j, W, H)
			s.SetNRGBA(i, j, v.NRGBAAt(x, y))
		}
	}
	return s
}

// samePixels reports the first pixel where got differs from want by more
// than tol in a channel (8-bit, non-premultiplied).
func samePixels(got image.Image, want *image.NRGBA, tol int, at func(x, y int) bool) error {
	if got.Bounds().Size() != want.Bounds().Size() {
		return fmt.Errorf("size %v, want %v", got.Bounds().Size(), want.Bounds().Size())
	}
	g0 := got.Bounds().Min
	for y := range want.Bounds().Dy() {
		for x := range want.Bounds().Dx() {
			if at != nil && !at(x, y) {
				continue
			}
			g := color.NRGBAModel.Convert(got.At(g0.X+x, g0.Y+y)).(color.NRGBA)
			w := want.NRGBAAt(x, y)
			for k, d := range []int{int(g.R) - int(w.R), int(g.G) - int(w.G), int(g.B) - int(w.B), int(g.A) - int(w.A)} {
				if d > tol || d < -tol {
					return fmt.Errorf("pixel (%d,%d) is %v, want %v (channel %d)", x, y, g, w, k)
				}
			}
		}
	}
	return nil
}

// TestOrientation: a picture stored with each EXIF orientation comes out
// upright, in each format.
func TestOrientation(t *testing.T) {
	v := grid(2, 3, 1)                                               // 2×3, six colours, one half transparent
	vj := opaque(grid(2, 3, 8))                                      // 16×24 in 8×8 cells, for lossy JPEG
	lossyCell := func(x, y int) bool { return x%8 == 4 && y%8 == 4 } // the middle of each cell
	gAMA := pngChunk("gAMA", be.AppendUint32(nil, 45455))
	for o := 1; o <= 8; o++ {
		bo := byteOrder(le)
		if o%2 == 0 {
			bo = be
		}
		tiff := exifTIFF(t, bo, uint16(o), true, false)
		check := func(t *testing.T, in []byte, contentType string, want *image.NRGBA, tol int, at func(x, y int) bool) image.Image {
			t.Helper()
			res, err := Clean(in)
			if err != nil {
				t.Fatal(err)
			}
			if res.Reencoded != (o != 1) || res.ContentType != contentType {
				t.Errorf("Reencoded %v, ContentType %q", res.Reencoded, res.ContentType)
			}
			if _, err := verify(res.Data, res.ContentType); err != nil {
				t.Errorf("checker: %v", err)
			}
			if s := findMarker(res.Data); s != "" {
				t.Errorf("output holds %q", s)
			}
			m, _, err := image.Decode(bytes.NewReader(res.Data))
			if err != nil {
				t.Fatal(err)
			}
			if err := samePixels(m, want, tol, at); err != nil {
				t.Error(err)
			}
			return m
		}
		t.Run(fmt.Sprintf("PNG/%d", o), func(t *testing.T) {
			in := pngWith(encodePNGImage(t, stored(v, o)), [][]byte{gAMA, pngChunk("eXIf", tiff)})
			check(t, in, "image/png", v, 0, nil)
			res, _ := Clean(in)
			if !bytes.Contains(res.Data, gAMA) {
				t.Errorf("gAMA lost")
			}
		})
		t.Run(fmt.Sprintf("WebP/%d", o), func(t *testing.T) {
			sw, sh := storedSize(o, 2, 3)
			in := riff(vp8xChunk(vp8xEXIF|vp8xAlpha, sw, sh), chunk{"VP8L", vp8l(stored(v, o))}, chunk{"EXIF", tiff})
			ct := "image/png"
			if o == 1 {
				ct = "image/webp"
			}
			check(t, in, ct, v, 0, nil)
		})
		t.Run(fmt.Sprintf("JPEG/%d", o), func(t *testing.T) {
			in := afterSOI(encodeJPEG(t, stored(vj, o), 100), exifSegment(tiff))
			check(t, in, "image/jpeg", vj, 48, lossyCell)
		})
	}
}

// TestOrientationKeepsPixelType: a turned paletted or 16-bit PNG stays one,
// a turned grayscale JPEG stays grayscale.
func TestOrientationKeepsPixelType(t *testing.T) {
	tiff := exifTIFF(t, le, 6, false, false)
	pal := image.NewPaletted(image.Rect(0, 0, 3, 2), color.Palette{color.Black, color.White, color.Transparent})
	copy(pal.Pix, []uint8{0, 1, 2, 2, 1, 0})
	deep := image.NewNRGBA64(image.Rect(0, 0, 3, 2))
	deep.SetNRGBA64(2, 0, color.NRGBA64{0x1234, 0x5678, 0x9abc, 0xdef1})
	gray := image.NewGray(image.Rect(0, 0, 16, 8))
	for _, tc := range []struct {
		name string
		in   []byte
		want func(image.Image) bool
	}{
		{"paletted PNG", pngWith(encodePNGImage(t, pal), [][]byte{pngChunk("eXIf", tiff)}), func(m image.Image) bool {
			p, ok := m.(*image.Paletted)
			return ok && p.ColorIndexAt(0, 0) == 2 && p.ColorIndexAt(1, 0) == 0 && p.ColorIndexAt(0, 2) == 0
		}},
		{"16-bit PNG", pngWith(encodePNGImage(t, deep), [][]byte{pngChunk("eXIf", tiff)}), func(m image.Image) bool {
			d, ok := m.(*image.NRGBA64)
			return ok && d.NRGBA64At(1, 2) == color.NRGBA64{0x1234, 0x5678, 0x9abc, 0xdef1}
		}},
		{"grayscale JPEG", afterSOI(encodeJPEG(t, gray, 90), exifSegment(tiff)), func(m image.Image) bool {
			_, ok := m.(*image.Gray)
			return ok && m.Bounds().Dx() == 8 && m.Bounds().Dy() == 16
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Clean(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			var m image.Image
			if res.ContentType == "image/png" {
				m, err = png.Decode(bytes.NewReader(res.Data))
			} else {
				m, err = jpeg.Decode(bytes.NewReader(res.Data))
			}
			if err != nil || !res.Reencoded || !tc.want(m) {
				t.Errorf("got %T %v, Reencoded %v, err %v", m, m.Bounds(), res.Reencoded, err)
			}
		})
	}
}

// TestOrient turns pictures of every pixel type orient knows, and one it
// does not, with bounds not at the origin.
func TestOrient(t *testing.T) {
	r := image.Rect(5, 7, 7, 10) // 2×3
	fill := func(m interface {
		image.Image
		Set(x, y int, c color.Color)
	}) image.Image {
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				k := uint8((y-r.Min.Y)*2 + x - r.Min.X)
				m.Set(x, y, color.NRGBA{40 * k, 255 - 30*k, 20 + 10*k, 255 - k})
			}
		}
		return m
	}
	ycc := image.NewYCbCr(r, image.YCbCrSubsampleRatio444)
	nycca := image.NewNYCbCrA(r, image.YCbCrSubsampleRatio444)
	for i := range ycc.Y {
		ycc.Y[i], ycc.Cb[i], ycc.Cr[i] = uint8(30*i), uint8(100+i), uint8(200-9*i)
		nycca.Y[i], nycca.Cb[i], nycca.Cr[i], nycca.A[i] = uint8(30*i), uint8(100+i), uint8(200-9*i), uint8(255-40*i)
	}
	big := fill(image.NewRGBA(image.Rect(0, 0, 10, 12))).(*image.RGBA)
	pics := map[string]image.Image{
		"RGBA": fill(image.NewRGBA(r)), "NRGBA": fill(image.NewNRGBA(r)), "RGBA64": fill(image.NewRGBA64(r)),
		"NRGBA64": fill(image.NewNRGBA64(r)), "Gray": fill(image.NewGray(r)), "Gray16": fill(image.NewGray16(r)),
		"Alpha": fill(image.NewAlpha(r)), "Alpha16": fill(image.NewAlpha16(r)), "CMYK": fill(image.NewCMYK(r)),
		"Paletted": fill(image.NewPaletted(r, color.Palette{color.Black, color.White, color.NRGBA{200, 0, 0, 255}})),
		"YCbCr":    ycc, "NYCbCrA": nycca, "sub-image": big.SubImage(r), "other": otherImage{fill(image.NewNRGBA(r))},
	}
	for name, src := range pics {
		for o := 1; o <= 8; o++ {
			got := orient(src, o)
			sw, sh := src.Bounds().Dx(), src.Bounds().Dy()
			W, H := sw, sh
			if o >= 5 {
				W, H = sh, sw
			}
			if got.Bounds().Dx() != W || got.Bounds().Dy() != H {
				t.Fatalf("%s/%d: bounds %v", name, o, got.Bounds())
			}
			for j := range sh {
				for i := range sw {
					x, y := upright(o, i, j, W, H)
					g := color.NRGBA64Model.Convert(got.At(got.Bounds().Min.X+x, got.Bounds().Min.Y+y))
					w := color.NRGBA64Model.Convert(src.At(r.Min.X+i, r.Min.Y+j))
					if g != w && !((name == "NYCbCrA" || name == "YCbCr") && near(g, w)) {
						t.Errorf("%s/%d: stored (%d,%d) → upright (%d,%d) is %v, want %v", name, o, i, j, x, y, g, w)
					}
				}
			}
		}
	}
}

// near reports whether two colours are within 1/255 in every channel: the
// 8-bit conversion of YCbCr and NYCbCrA rounds where the colour models
// do not.
func near(a, b color.Color) bool {
	ar, ag, ab, aa := a.RGBA()
	br, bg, bb, ba := b.RGBA()
	d := func(x, y uint32) bool { return x-y+0x101 <= 2*0x101 }
	return d(ar, br) && d(ag, bg) && d(ab, bb) && d(aa, ba)
}

// otherImage hides the type of its image, so that orient takes its
// fallback path.
type otherImage struct{ image.Image }
