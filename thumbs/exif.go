package thumbs

import (
	"encoding/binary"
	"io"
)

// maxJPEGSegments bounds how many marker segments jpegOrientation looks at
// before giving up; the EXIF APP1 segment is normally the first or second.
const maxJPEGSegments = 64

// jpegOrientation returns the EXIF Orientation (1..8) of a JPEG file, or 1
// when there is none or it cannot be read. It walks the marker segments
// from the start of the file up to the first SOS (start of scan), reading
// at most maxJPEGSegments segment headers and one APP1 segment of at most
// 64 KiB.
func jpegOrientation(r io.ReaderAt, size int64) int {
	var b [4]byte
	pos := int64(2) // after SOI
	for range maxJPEGSegments {
		if pos+4 > size {
			break
		}
		if _, err := r.ReadAt(b[:], pos); err != nil {
			break
		}
		if b[0] != 0xff {
			break
		}
		marker := b[1]
		switch {
		case marker == 0xff: // fill byte
			pos++
			continue
		case marker == 0x01 || marker >= 0xd0 && marker <= 0xd8: // TEM, RSTn, SOI: no length
			pos += 2
			continue
		case marker == 0xda || marker == 0xd9: // SOS, EOI
			return 1
		}
		length := int64(binary.BigEndian.Uint16(b[2:]))
		if length < 2 {
			break
		}
		if marker == 0xe1 && length >= 2+6+8 && pos+2+length <= size {
			seg := make([]byte, length-2)
			if _, err := r.ReadAt(seg, pos+4); err != nil {
				break
			}
			if string(seg[:6]) == "Exif\x00\x00" {
				if o := tiffOrientation(seg[6:]); o != 0 {
					return o
				}
			}
		}
		pos += 2 + length
	}
	return 1
}

// tiffOrientation returns the Orientation tag (0x0112) of IFD0 of the TIFF
// structure t, or 0 if absent or invalid.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 0
	}
	var order binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 0
	}
	if order.Uint16(t[2:]) != 42 {
		return 0
	}
	off := uint64(order.Uint32(t[4:]))
	if off+2 > uint64(len(t)) {
		return 0
	}
	n := uint64(order.Uint16(t[off:]))
	for i := range n {
		e := off + 2 + 12*i
		if e+12 > uint64(len(t)) {
			return 0
		}
		if order.Uint16(t[e:]) != 0x0112 {
			continue
		}
		const typeShort = 3
		if order.Uint16(t[e+2:]) != typeShort || order.Uint32(t[e+4:]) != 1 {
			return 0
		}
		if v := int(order.Uint16(t[e+8:])); v >= 1 && v <= 8 {
			return v
		}
		return 0
	}
	return 0
}
