package imageclean

import (
	"fmt"
)

// UnsupportedError reports an image Clean does not clean: a format it does
// not handle (Format names it when it was recognised), or, when Reason is
// set, a case of a format it handles that it refuses.
type UnsupportedError struct {
	// Format is the format recognised from the first bytes ("HEIC",
	// "TIFF", "SVG", "WebP"), or "" when none was.
	Format string
	// Reason says why an image of a format Clean handles is refused; it is
	// empty when the format itself is not handled.
	Reason string
}

// Error formats as "imageclean: cannot clean HEIC images: convert it to
// JPEG or PNG first", or with Reason as "imageclean: cannot clean this WebP
// image: <reason>".
func (e *UnsupportedError) Error() string {
	switch {
	case e.Format == "":
		return "imageclean: not an image format it can clean: publish a JPEG, PNG, GIF or WebP image"
	case e.Reason == "":
		return "imageclean: cannot clean " + e.Format + " images: convert it to JPEG or PNG first"
	default:
		return "imageclean: cannot clean this " + e.Format + " image: " + e.Reason
	}
}

// FormatError reports an image of a format Clean handles whose structure
// is broken, or which the standard decoder rejects after cleaning.
type FormatError struct {
	// Format is "JPEG", "PNG", "GIF" or "WebP".
	Format string
	// Msg says what is wrong.
	Msg string
	// Err is the decoder's error when the decoder rejected the image, or
	// nil.
	Err error
}

// Error formats as "imageclean: malformed PNG: <msg>", followed by ": " and
// the decoder's error when there is one.
func (e *FormatError) Error() string {
	s := "imageclean: malformed " + e.Format + ": " + e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the decoder's error, or nil.
func (e *FormatError) Unwrap() error { return e.Err }

// TooLargeError reports an image whose pixel count, read from its headers
// before anything was decoded, exceeds a limit.
type TooLargeError struct {
	// Format is "JPEG", "PNG", "GIF" or "WebP".
	Format string
	// Pixels is width × height, or for an animation the sum over the
	// frames read so far.
	Pixels uint64
	// Limit is the limit exceeded: MaxPixels, or MaxAnimationPixels for
	// the frames of an animation.
	Limit uint64
}

// Error formats as "imageclean: JPEG image too large: 100000000 pixels,
// more than 50000000".
func (e *TooLargeError) Error() string {
	return fmt.Sprintf("imageclean: %s image too large: %d pixels, more than %d", e.Format, e.Pixels, e.Limit)
}

func malformed(format, msg string, args ...any) error {
	return &FormatError{Format: format, Msg: fmt.Sprintf(msg, args...)}
}

func rejected(format string, err error) error {
	return &FormatError{Format: format, Msg: "the decoder rejects it", Err: err}
}

// checkSize refuses a picture of more than MaxPixels pixels. w and h are
// below 2³², so their product does not overflow.
func checkSize(format string, w, h uint64) error {
	if p := w * h; p > MaxPixels {
		return &TooLargeError{Format: format, Pixels: p, Limit: MaxPixels}
	}
	return nil
}
