package imageclean

import "encoding/binary"

// exifInfo is what Clean reads from an EXIF block: just enough to turn the
// picture upright and to say what was removed.
type exifInfo struct {
	// orientation is the Orientation tag (1–8); 1 when it is missing,
	// malformed or out of range.
	orientation int
	// gps reports a GPS IFD pointer (tag 0x8825) in IFD0.
	gps bool
	// thumbnail reports an IFD1, where EXIF keeps its thumbnail.
	thumbnail bool
}

const (
	tagOrientation = 0x0112
	tagGPSIFD      = 0x8825
	typeShort      = 3
)

// readEXIF reads IFD0 of the TIFF structure t (the EXIF payload after its
// "Exif\0\0" header). It never reads outside t and reads at most one IFD,
// so its work is bounded by len(t); whatever does not parse counts as
// absent.
func readEXIF(t []byte) exifInfo {
	info := exifInfo{orientation: 1}
	if len(t) < 8 {
		return info
	}
	var bo binary.ByteOrder
	switch string(t[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return info
	}
	off := uint64(bo.Uint32(t[4:]))
	if off < 8 || off+2 > uint64(len(t)) {
		return info
	}
	n := uint64(bo.Uint16(t[off:]))
	entries := off + 2
	if entries+12*n > uint64(len(t)) {
		n = (uint64(len(t)) - entries) / 12 // read the entries that are there
	}
	seenOrientation := false
	for i := range n {
		e := t[entries+12*i : entries+12*i+12]
		switch bo.Uint16(e) {
		case tagOrientation:
			if seenOrientation {
				continue
			}
			seenOrientation = true
			if bo.Uint16(e[2:]) == typeShort && bo.Uint32(e[4:]) == 1 {
				if v := bo.Uint16(e[8:]); v >= 1 && v <= 8 {
					info.orientation = int(v)
				}
			}
		case tagGPSIFD:
			info.gps = true
		}
	}
	if next := entries + 12*n; next+4 <= uint64(len(t)) {
		if ifd1 := uint64(bo.Uint32(t[next:])); ifd1 >= 8 && ifd1+2 <= uint64(len(t)) {
			info.thumbnail = true
		}
	}
	return info
}
