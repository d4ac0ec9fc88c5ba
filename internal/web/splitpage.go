package web

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
)

// splitPage is a page rendered once for every signed-in viewer of a kind, cut where the viewer's name goes
// (viewerNameMark). At each request the name is written between the parts: plain, or, for clients that accept
// gzip, inside a gzip stream made of the parts compressed once (gzParts) and the name as a stored deflate block,
// so that no signed-in page is compressed per request.
type splitPage struct {
	parts       [][]byte
	gzParts     [][]byte // each part as raw deflate blocks ending on a byte boundary (flushed, not final)
	digest      string   // a tag of the parts (pageTag's two CRCs), from which each viewer's ETag is made
	contentType string
	header      http.Header
	size        int // the parts' bytes, plain and compressed
}

func (p splitPage) Size() int { return p.size + 256 }

// newSplitPage cuts body at viewerNameMark and compresses each part once.
func newSplitPage(body []byte, contentType string, header http.Header) splitPage {
	p := splitPage{parts: bytes.Split(body, []byte(viewerNameMark)), contentType: contentType, header: header}
	p.digest = pageTag(body)
	p.digest = p.digest[len(`W/"`) : len(p.digest)-1]
	var buf bytes.Buffer
	zw, _ := flate.NewWriter(&buf, flate.DefaultCompression)
	for _, part := range p.parts {
		buf.Reset()
		zw.Reset(&buf)
		zw.Write(part)
		zw.Flush() // a sync flush: the blocks end on a byte boundary, and the stream is not closed
		p.gzParts = append(p.gzParts, bytes.Clone(buf.Bytes()))
		p.size += len(part) + buf.Len()
	}
	return p
}

// etag is the viewer's tag: the parts' tag and the name's CRC (the same on every instance for the same page).
func (p splitPage) etag(name []byte) string {
	return `W/"` + p.digest + "." + strconv.FormatUint(uint64(crc32.ChecksumIEEE(name)), 36) + `"`
}

// plainLen is the length of the page with name written in.
func (p splitPage) plainLen(name []byte) int {
	n := len(name) * (len(p.parts) - 1)
	for _, part := range p.parts {
		n += len(part)
	}
	return n
}

// writePlain writes the page with name between its parts.
func (p splitPage) writePlain(w io.Writer, name []byte) {
	for i, part := range p.parts {
		if i > 0 {
			w.Write(name)
		}
		w.Write(part)
	}
}

// gzipHeader is a gzip member's header (RFC 1952): deflate, no flags, no time, unknown system.
var gzipHeader = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255}

// finalBlock is an empty final deflate block with fixed codes: it ends the stream after flushed blocks (what
// zlib writes at Z_FINISH after a sync flush).
var finalBlock = []byte{0x03, 0x00}

// appendGzip appends the page with name written in as one gzip member: the header, the compressed parts with
// the name between them as stored blocks (RFC 1951 3.2.4: byte-aligned, as every part ends flushed), the final
// block, then the CRC-32 and the length of the whole plain page.
func (p splitPage) appendGzip(dst, name []byte) []byte {
	dst = append(dst, gzipHeader...)
	var crc uint32
	for i, part := range p.gzParts {
		if i > 0 && len(name) > 0 {
			dst = appendStored(dst, name)
			crc = crc32.Update(crc, crc32.IEEETable, name)
		}
		dst = append(dst, part...)
		crc = crc32.Update(crc, crc32.IEEETable, p.parts[i])
	}
	dst = append(dst, finalBlock...)
	dst = binary.LittleEndian.AppendUint32(dst, crc)
	return binary.LittleEndian.AppendUint32(dst, uint32(p.plainLen(name)))
}

// appendStored appends b as non-final stored deflate blocks (at most 65,535 bytes each).
func appendStored(dst, b []byte) []byte {
	for len(b) > 0 {
		n := min(len(b), 0xffff)
		dst = append(dst, 0) // BFINAL 0, BTYPE 00, then the padding to the byte boundary
		dst = binary.LittleEndian.AppendUint16(dst, uint16(n))
		dst = binary.LittleEndian.AppendUint16(dst, ^uint16(n))
		dst = append(dst, b[:n]...)
		b = b[n:]
	}
	return dst
}
