package thumbs

import (
	"bufio"
	"io"
)

// countGIFFrames counts the image descriptors (frames) of a GIF file by
// walking its block structure, without decoding any pixel data. It stops as
// soon as limit frames have been seen, at the trailer, or at the first
// malformed or truncated block (the decoder reports those), so its work is
// linear in the file size and its memory constant.
func countGIFFrames(r io.ReaderAt, size int64, limit int) int {
	br := bufio.NewReaderSize(io.NewSectionReader(r, 0, size), 4096)
	var d [9]byte
	// Header (6 bytes) and logical screen descriptor (7 bytes).
	if _, err := io.ReadFull(br, d[:6]); err != nil {
		return 0
	}
	if _, err := io.ReadFull(br, d[:7]); err != nil {
		return 0
	}
	if err := skipColorTable(br, d[4]); err != nil {
		return 0
	}
	n := 0
	for n < limit {
		c, err := br.ReadByte()
		if err != nil {
			return n
		}
		switch c {
		case 0x21: // extension: label, then data sub-blocks
			if _, err := br.ReadByte(); err != nil {
				return n
			}
		case 0x2c: // image descriptor
			if _, err := io.ReadFull(br, d[:9]); err != nil {
				return n
			}
			if err := skipColorTable(br, d[8]); err != nil {
				return n
			}
			if _, err := br.ReadByte(); err != nil { // LZW minimum code size
				return n
			}
			n++
		default: // 0x3b trailer, or garbage
			return n
		}
		if err := skipSubBlocks(br); err != nil {
			return n
		}
	}
	return n
}

// skipColorTable skips the colour table announced by the packed fields of
// a logical screen or image descriptor, if any.
func skipColorTable(br *bufio.Reader, fields byte) error {
	if fields&0x80 == 0 {
		return nil
	}
	_, err := br.Discard(3 << (fields&7 + 1))
	return err
}

// skipSubBlocks skips data sub-blocks up to and including the terminator.
func skipSubBlocks(br *bufio.Reader) error {
	for {
		l, err := br.ReadByte()
		if err != nil {
			return err
		}
		if l == 0 {
			return nil
		}
		if _, err := br.Discard(int(l)); err != nil {
			return err
		}
	}
}
