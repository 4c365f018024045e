package imageclean_test

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"slices"

	"github.com/hamsnet/hams/tools/social/imageclean"
)

// Clean a photo before publishing it. Here the photo is made on the spot
// and given a comment and an XMP packet with a GPS position, as a camera
// or an editor would; a real one comes from the person's disk.
func Example() {
	var photo bytes.Buffer
	if err := jpeg.Encode(&photo, image.NewGray(image.Rect(0, 0, 8, 8)), nil); err != nil {
		panic(err)
	}
	segment := func(marker byte, payload string) []byte { // a JPEG segment
		return append([]byte{0xFF, marker, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}, payload...)
	}
	comment := segment(0xFE, "my balcony")
	xmp := segment(0xE1, "http://ns.adobe.com/xap/1.0/\x00"+`<x:xmpmeta exif:GPSLatitude="48,52.1N"/>`)
	b := photo.Bytes()
	withMetadata := slices.Concat(b[:2], comment, xmp, b[2:]) // after the SOI marker

	res, err := imageclean.Clean(withMetadata)
	if err != nil {
		fmt.Println(err) // an *UnsupportedError, *FormatError or *TooLargeError
		return
	}
	fmt.Println(res.ContentType, res.Removed, res.Reencoded, bytes.Equal(res.Data, b))

	_, err = imageclean.Clean([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"))
	fmt.Println(err)
	// Output:
	// image/jpeg [comment XMP] false true
	// imageclean: cannot clean HEIC images: convert it to JPEG or PNG first
}
