package social

import (
	"bytes"
	"encoding/binary"
	stdimage "image"
	"image/color"
	"image/jpeg"
	"strings"
	"testing"
	"time"
)

// jpegWithGPS returns a JPEG whose APP1 EXIF block carries a GPS position
// (a TIFF IFD0 with a GPS IFD pointer, and a GPS IFD with a latitude
// reference), plus a comment segment, both marked with secret.
func jpegWithGPS(t *testing.T, secret string) []byte {
	t.Helper()
	img := stdimage.NewRGBA(stdimage.Rect(0, 0, 16, 16))
	for i := range img.Pix {
		img.Pix[i] = 0x80
	}
	img.Set(3, 3, color.RGBA{255, 0, 0, 255})
	var raw bytes.Buffer
	if err := jpeg.Encode(&raw, img, nil); err != nil {
		t.Fatal(err)
	}
	// TIFF, big-endian: IFD0 with one entry (GPSInfo, 0x8825 -> offset 26),
	// then the GPS IFD with GPSLatitudeRef "N" and the secret in a
	// GPSProcessingMethod-like ASCII entry.
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08")
	ifd0 := make([]byte, 2+12+4)
	binary.BigEndian.PutUint16(ifd0[0:], 1)
	binary.BigEndian.PutUint16(ifd0[2:], 0x8825)
	binary.BigEndian.PutUint16(ifd0[4:], 4) // LONG
	binary.BigEndian.PutUint32(ifd0[6:], 1)
	binary.BigEndian.PutUint32(ifd0[10:], uint32(len(tiff)+len(ifd0)))
	gps := make([]byte, 2+2*12+4)
	binary.BigEndian.PutUint16(gps[0:], 2)
	binary.BigEndian.PutUint16(gps[2:], 0x0001) // GPSLatitudeRef
	binary.BigEndian.PutUint16(gps[4:], 2)      // ASCII
	binary.BigEndian.PutUint32(gps[6:], 2)
	copy(gps[10:], "N\x00")
	binary.BigEndian.PutUint16(gps[14:], 0x001b) // GPSProcessingMethod
	binary.BigEndian.PutUint16(gps[16:], 2)
	binary.BigEndian.PutUint32(gps[18:], uint32(len(secret)+1))
	binary.BigEndian.PutUint32(gps[22:], uint32(len(tiff)+len(ifd0)+len(gps)))
	exif := append(append(append(append([]byte("Exif\x00\x00"), tiff...), ifd0...), gps...), append([]byte(secret), 0)...)
	seg := func(marker byte, body []byte) []byte {
		s := []byte{0xFF, marker, 0, 0}
		binary.BigEndian.PutUint16(s[2:], uint16(len(body)+2))
		return append(s, body...)
	}
	b := raw.Bytes()
	out := append([]byte{}, b[:2]...) // SOI
	out = append(out, seg(0xE1, exif)...)
	out = append(out, seg(0xFE, []byte("comment "+secret))...)
	return append(out, b[2:]...)
}

// TestImageMetadataStripped: a photo with its GPS position in EXIF, posted
// at one node, arrives at another node's reader as a JPEG without any
// metadata block: no EXIF, no comment, nothing of the secret.
func TestImageMetadataStripped(t *testing.T) {
	const secret = "33.5138N 36.2765E home"
	nodes := startNodes(t, 2)
	a := startApp(t, nodes[0].FCPAddr(), nil)
	b := startApp(t, nodes[1].FCPAddr(), nil)
	uriA := a.createIdentity("Photographer")
	b.createIdentity("Viewer")
	photo := jpegWithGPS(t, secret)
	if _, _, err := stdimage.Decode(bytes.NewReader(photo)); err != nil {
		t.Fatalf("the test photo does not decode: %v", err)
	}
	a.mustPost("/post", map[string]string{"text": "a photo"}, file{"image", "gps.jpg", photo})
	a.waitPublished(10 * time.Second)
	b.mustPost("/follow", map[string]string{"uri": uriA})
	b.waitFor("/", "a photo", 20*time.Second)
	b.app.mu.Lock()
	var uri string
	for _, f := range b.app.feeds {
		if len(f.Posts) > 0 && len(f.Posts[0].Images) > 0 {
			uri = f.Posts[0].Images[0]
		}
	}
	b.app.mu.Unlock()
	var got []byte
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var ok bool
		if got, ok = b.app.cachedImage(uri); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the photo did not arrive at the other node")
		}
	}
	for _, bad := range []string{"Exif", secret, "comment"} {
		if bytes.Contains(got, []byte(bad)) {
			t.Fatalf("the published photo still holds %q", bad)
		}
	}
	// Walk its segments: nothing but what the picture needs.
	for i := 2; i+4 <= len(got); {
		if got[i] != 0xFF {
			t.Fatalf("not a marker at %d", i)
		}
		m := got[i+1]
		if m == 0xDA { // the scan: entropy-coded data follows
			break
		}
		if m >= 0xE1 && m <= 0xEF || m == 0xFE {
			t.Fatalf("segment 0x%02X survived", m)
		}
		i += 2 + int(binary.BigEndian.Uint16(got[i+2:]))
	}
	if _, format, err := stdimage.Decode(bytes.NewReader(got)); err != nil || format != "jpeg" {
		t.Fatalf("the published photo: %v, %s", err, format)
	}
}

// TestImageAlt: the descriptions given with a post's images are published
// with them (feed 1.1 alt) and read out at another node as each image's
// alt text; an image without one gets a generic description.
func TestImageAlt(t *testing.T) {
	nodes := startNodes(t, 2)
	a := startApp(t, nodes[0].FCPAddr(), nil)
	b := startApp(t, nodes[1].FCPAddr(), nil)
	uriA := a.createIdentity("Describer")
	b.createIdentity("Listener")
	a.mustPost("/post", map[string]string{"text": "two pictures", "alt": "سوق عند الغروب\n"},
		file{"image", "1.png", pngImage(10, 20, 30)}, file{"image", "2.png", pngImage(30, 20, 10)})
	code, _, body := a.post("/post", map[string]string{"text": "x", "alt": "one\ntwo"}, file{"image", "1.png", pngImage(1, 2, 3)})
	if code != 400 || !strings.Contains(errorText(body), "2 image descriptions for 1 images") {
		t.Fatalf("more descriptions than images: %d %q", code, errorText(body))
	}
	a.waitPublished(10 * time.Second)
	b.mustPost("/follow", map[string]string{"uri": uriA})
	body = b.waitFor("/", "two pictures", 20*time.Second)
	if !strings.Contains(body, `alt="سوق عند الغروب"`) || !strings.Contains(body, `alt="Image 2 of Describer&#39;s post"`) {
		t.Fatalf("alt texts at the reader: %s", body)
	}
}
