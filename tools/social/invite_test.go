package social

import (
	"bytes"
	stdimage "image"
	"image/color"
	"image/png"
	"net/url"
	"strings"
	"testing"

	qr "github.com/piglig/go-qr"
)

const testFeed = "USK@nG2K1S8Q8Sy3eLEHipBMmRe58Yn6R93dOA~D0-F1f~c,VfJ-fWa3E1fGs7YUQV6UrhCSvDHL98fjrGXozfne6Dg,AQABAAE/hams-social/7"

// TestInviteLink: the link opens the People page of the default address
// with the feed to follow, keeps the address readable, and reads back.
func TestInviteLink(t *testing.T) {
	link := inviteLink(testFeed)
	if want := "http://127.0.0.1:8889/people?follow=" + testFeed; link != want {
		t.Fatalf("inviteLink = %s, want %s", link, want)
	}
	u, err := url.Parse(link)
	if err != nil || u.Query().Get("follow") != testFeed {
		t.Fatalf("the link's follow parameter does not read back: %v %q", err, u.Query().Get("follow"))
	}
	for _, s := range []string{link, "  " + link + "\n", "http://localhost:9000/people?follow=" + url.QueryEscape(testFeed), "http://[::1]:8889/feed?k=" + testFeed} {
		if got := fromInvite(s); got != testFeed {
			t.Errorf("fromInvite(%q) = %q", s, got)
		}
	}
	for _, s := range []string{"http://evil.example/people?follow=" + testFeed, "http://127.0.0.1:8889/people?follow=CHK@x", "http://127.0.0.1:8889/other?follow=" + testFeed, "USK@x"} {
		if got := fromInvite(s); got != strings.TrimSpace(s) {
			t.Errorf("fromInvite(%q) = %q, want it unchanged", s, got)
		}
	}
}

// TestInviteQR: the QR code decodes to the link; it is the same every
// time; dark modules are black on white, with a quiet zone of 4 modules;
// and its size is one a phone camera reads.
func TestInviteQR(t *testing.T) {
	link := inviteLink(testFeed)
	b, err := inviteQR(link)
	if err != nil {
		t.Fatal(err)
	}
	if b2, _ := inviteQR(link); !bytes.Equal(b, b2) {
		t.Error("the QR code differs between two calls")
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	res, err := qr.DecodeDetailed(img)
	if err != nil || res.Text != link {
		t.Fatalf("decoded %v, %v; want %q", res, err, link)
	}
	code, _ := qr.EncodeText(link, qr.Medium)
	modules := code.Size()
	if res.Version < 5 || res.Version > 12 || modules != 17+4*res.Version {
		t.Errorf("version %d, %d modules: want a code of 37-65 modules for an address", res.Version, modules)
	}
	side := (modules + 2*qrBorder) * qrScale
	if r := img.Bounds(); r.Dx() != side || r.Dy() != side || side < 250 || side > 600 {
		t.Errorf("image %v, want %d pixels square, 250-600", r, side)
	}
	light := func(c color.Color) bool { r, g, bb, _ := c.RGBA(); return r > 0xf000 && g > 0xf000 && bb > 0xf000 }
	for i := 0; i < qrBorder*qrScale; i++ {
		for _, p := range []stdimage.Point{{i, side / 2}, {side - 1 - i, side / 2}, {side / 2, i}, {side / 2, side - 1 - i}} {
			if !light(img.At(p.X, p.Y)) {
				t.Fatalf("the quiet zone is not light at %v", p)
			}
		}
	}
	// The top-left finder pattern's corner is dark, and black.
	if r, g, bb, _ := img.At(qrBorder*qrScale, qrBorder*qrScale).RGBA(); r|g|bb != 0 {
		t.Error("the finder pattern is not black")
	}
}
