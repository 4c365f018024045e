// Package imageclean removes metadata from an image before hams social
// publishes it, so that a photo carries neither the place it was taken
// (EXIF GPS) nor the device that took it (camera make, model and serial
// number, ICC profile, thumbnails, editing history).
//
// Clean takes the bytes of a JPEG, PNG, GIF or WebP image and returns the
// same picture with every metadata block removed. It works at the level of
// the container (JPEG segments, PNG chunks, RIFF chunks, GIF blocks) and
// copies the compressed picture untouched, so the picture is not
// re-encoded, except to apply an EXIF orientation (below). Anything else
// (HEIC, AVIF, TIFF and camera raw, BMP, SVG, unknown bytes) is refused
// with an *UnsupportedError naming the format detected from its first
// bytes.
//
// # What is kept
//
// Only what a decoder needs to draw the pixels as the author saw them:
//
//   - JPEG (ITU T.81): SOI, DQT, SOFn, DHT, DAC, DRI, DNL, SOS with the
//     entropy-coded data and its RSTn markers, EOI. An APP0 JFIF segment is
//     replaced by a fixed 16-byte one (version 1.01, 1:1 aspect, no
//     thumbnail). An APP14 "Adobe" segment is replaced by a fixed 14-byte
//     one that keeps only its colour-transform byte: without it RGB and
//     CMYK/YCCK JPEGs decode with wrong colours (image/jpeg reads it), and
//     the rest of the segment (version, flags) is at best a weak
//     fingerprint.
//   - PNG: IHDR, PLTE, tRNS, IDAT, IEND and the colour-space chunks gAMA,
//     cHRM, sRGB and cICP, which are a few numbers with no free text and
//     change how the pixels are shown.
//   - WebP: a still picture keeps its bitstream (VP8 or VP8L) and, for a
//     lossy one with transparency, its ALPH chunk. Without metadata it no
//     longer needs the extended format, so it is written in the simple
//     format (RIFF and the bitstream alone), or as VP8X with only the alpha
//     flag, ALPH and VP8; x/image/webp reads both (it refuses VP8X with the
//     alpha flag and a VP8L bitstream). An animation keeps VP8X with its
//     ICC, EXIF and XMP flags cleared, ANIM and ANMF, each frame keeping
//     only ALPH and its bitstream. A second bitstream, which no decoder
//     shows, is dropped.
//   - GIF: header, screen descriptor (pixel-aspect byte zeroed), colour
//     tables, graphic control extensions (reserved bits cleared), frames and
//     the NETSCAPE2.0 loop count, rewritten to its fixed form. A missing
//     trailer is added, as browsers forgive it.
//
// # What is removed
//
// Everything else, and Result.Removed names what was found, in the order
// met (bytes between JPEG segments too, as "junk bytes"): EXIF (labelled "EXIF (GPS)" when it holds a GPS position, plus
// "EXIF thumbnail" when it embeds one), XMP, IPTC and other Photoshop
// resources (APP13), ICC profiles, MPF secondary images, JFIF thumbnails,
// all other APPn segments, COM comments; PNG tEXt, zTXt, iTXt, eXIf, tIME,
// iCCP, pHYs, sBIT, bKGD, APNG animation chunks and every other ancillary
// chunk; WebP EXIF, "XMP " and ICCP chunks and unknown chunks; GIF comment,
// plain-text and application extensions other than the loop count (XMP and
// ICC live in application extensions). Bytes after the end of the image
// (after EOI, IEND, the RIFF size or the GIF trailer) are dropped as well:
// that is where Motion Photos keep their video and some phones keep
// vendor data.
//
// Decisions worth knowing:
//
//   - ICC profiles are removed. A profile is a free-form blob whose header
//     names the device maker and model and a creation date and whose tags
//     carry descriptions; in a set of photos it singles out a device. The
//     cost: wide-gamut photos (Display P3) are shown as sRGB, a little less
//     saturated, and a CMYK JPEG loses its press profile. Privacy wins.
//   - pHYs (pixel density) is removed: it does not change the pixels and
//     its value tells the software or device (a 144 dpi screenshot comes
//     from a high-density Mac screen). sBIT is removed for the same reason:
//     it does not change the pixels and tells the sensor's bit depth.
//   - APNG animation chunks are ancillary: they are removed and the PNG's
//     still default image is published ("animation (APNG)" in Removed).
//   - GIF is supported: its structure is small and well specified, and GIF
//     is common for short animations.
//
// # Orientation
//
// A phone stores a photo as the sensor saw it and records how to turn it
// in EXIF Orientation (tag 0x0112 of IFD0). Because EXIF is removed, Clean
// applies an orientation other than 1 to the pixels: it decodes the image,
// turns or mirrors it (orientations 2 to 8) and encodes it again, and sets
// Result.Reencoded. A JPEG is re-encoded by image/jpeg at quality 92 (one
// generation of loss); a PNG by image/png, lossless, with its colour-space
// chunks copied back; a WebP by image/png too, lossless, because Go has no
// WebP encoder: Result.ContentType is then "image/png". An animated WebP
// with an orientation other than 1 is refused. EXIF is read defensively,
// every offset bounds-checked; unreadable EXIF counts as orientation 1.
//
// # Limits
//
// Before anything is decoded, the dimensions are read from the headers: a
// picture of more than MaxPixels pixels, or an animation whose frames sum
// to more than MaxAnimationPixels, is refused with a *TooLargeError, so a
// small file cannot make Clean allocate gigabytes (a decompression bomb).
// A JPEG of more than 100 scans is refused too, because each scan of a
// progressive JPEG costs the decoder a pass over the whole picture. Every
// walk over the input is linear in its size.
//
// Every result is decoded once more by the standard decoders (image/jpeg,
// image/png, image/gif, golang.org/x/image/webp) before it is returned, so
// what Clean accepts is an image readers can open; what they cannot open is
// refused with a *FormatError.
//
// # What it cannot do
//
// Clean removes metadata, not what the picture shows (a face, a street
// sign, a reflection), not data hidden inside the compressed picture data
// itself, and not the noise pattern of a camera's sensor, which can tie
// photos to one camera whatever their metadata.
//
// golang.org/x/image/webp is the one dependency outside the standard
// library: Go has no WebP decoder of its own, and that package is kept by
// the Go team.
package imageclean
