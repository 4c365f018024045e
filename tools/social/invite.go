package social

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	qr "github.com/piglig/go-qr"
)

// An invite is a link that opens hams social on the receiver's own
// machine, http://127.0.0.1:8889/people?follow=<feed address>: the People
// page with the follow form filled in. Following still takes the person's
// click (a GET changes nothing). The same page shows the feed's check
// words, to compare with the person who gave the invite. The link names
// the default address (DefaultListen), where the receiver's hams social
// runs unless they chose another; the feed address is shown beside it to
// paste into the follow box.

// inviteLink is the invite to follow the feed at uri.
func inviteLink(uri string) string {
	// '@', ',', '/' and ':' may stand in a query as they are (RFC 3986
	// §3.4), which keeps the link, and so its QR code, short.
	v := strings.NewReplacer("%40", "@", "%2C", ",", "%2F", "/", "%3A", ":").Replace(url.QueryEscape(uri))
	return "http://" + DefaultListen + "/people?follow=" + v
}

// fromInvite returns the feed address in s when s is an invite link or a
// link to a person's page of hams social (on a loopback address), and s
// itself otherwise.
func fromInvite(s string) string {
	s = strings.TrimSpace(s)
	if k, ok := localFeedLink(s); ok {
		return k
	}
	return s
}

// localFeedLink reports the feed address an http link to hams social on
// this machine names: an invite (/people?follow=) or a person's page
// (/feed?k=).
func localFeedLink(s string) (string, bool) {
	if !strings.HasPrefix(s, "http://") && !strings.HasPrefix(s, "https://") {
		return "", false
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", false
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); !(host == "localhost" || ip != nil && ip.IsLoopback()) {
		return "", false
	}
	var v string
	switch u.Path {
	case "/people":
		v = u.Query().Get("follow")
	case "/feed":
		v = u.Query().Get("k")
	}
	if _, err := feedKey(v); err != nil {
		return "", false
	}
	return v, true
}

// qrScale is how many pixels a module of the invite's QR code takes: a
// code of about 60 modules (an address is about 170 bytes: version 9 or
// 10) is then 400-odd pixels with its quiet zone, which a phone camera
// reads from a screen at arm's length.
const qrScale = 6

// qrBorder is the quiet zone around the code, in modules: 4, as the QR
// standard asks.
const qrBorder = 4

// inviteQR is the QR code of link as a PNG: dark modules on white, with
// the quiet zone. The error correction is at least medium (15% of the code
// may be unreadable), more when the code's size leaves room.
func inviteQR(link string) ([]byte, error) {
	code, err := qr.EncodeText(link, qr.Medium)
	if err != nil {
		return nil, err
	}
	return code.ToPNGBytes(qr.NewQrCodeImgConfig(qrScale, qrBorder))
}

// inviteImage serves the QR code of the person's own invite (GET
// /invite.png).
func (a *App) inviteImage(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	var uri string
	if a.id != nil {
		uri = a.hintLocked(a.me)
	}
	a.mu.Unlock()
	if uri == "" {
		http.NotFound(w, r)
		return
	}
	b, err := inviteQR(inviteLink(uri))
	if err != nil {
		a.cfg.Logger.Error("social: drawing the invite's QR code", "err", err)
		http.Error(w, "social: the QR code could not be drawn", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}
