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
	crcs        []uint32 // each part's CRC-32 (IEEE)
	shifts      []uint32 // for each part, x^(8·len) modulo the CRC polynomial: what appending it does to a CRC
	etagPrefix  string   // each viewer's ETag up to the name's CRC: W/" and a tag of the parts (pageTag's two CRCs)
	contentType string
	header      http.Header
	size        int // the parts' bytes, plain and compressed
}

func (p splitPage) Size() int { return p.size + 256 }

// newSplitPage cuts body at viewerNameMark and compresses each part once.
func newSplitPage(body []byte, contentType string, header http.Header) splitPage {
	p := splitPage{parts: bytes.Split(body, []byte(viewerNameMark)), contentType: contentType, header: header}
	tag := pageTag(body)
	p.etagPrefix = tag[:len(tag)-1] + "."
	var buf bytes.Buffer
	zw, _ := flate.NewWriter(&buf, flate.DefaultCompression)
	for _, part := range p.parts {
		buf.Reset()
		zw.Reset(&buf)
		zw.Write(part)
		zw.Flush() // a sync flush: the blocks end on a byte boundary, and the stream is not closed
		p.gzParts = append(p.gzParts, bytes.Clone(buf.Bytes()))
		p.crcs = append(p.crcs, crc32.ChecksumIEEE(part))
		p.shifts = append(p.shifts, crcShift(len(part)))
		p.size += len(part) + buf.Len()
	}
	return p
}

// etag is the viewer's tag: the parts' tag and the name's CRC (the same on every instance for the same page).
func (p splitPage) etag(name []byte) string {
	b := make([]byte, 0, 64) // on the stack: only the string is allocated
	b = append(b, p.etagPrefix...)
	b = strconv.AppendUint(b, uint64(crc32.ChecksumIEEE(name)), 36)
	return string(append(b, '"'))
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
	// The page's CRC is combined from the parts' CRCs, made once, and the name's (crcCombine), not computed
	// over the whole page at each request.
	var crc uint32
	nameCRC, nameShift := crc32.ChecksumIEEE(name), crcShift(len(name))
	for i, part := range p.gzParts {
		if i > 0 && len(name) > 0 {
			dst = appendStored(dst, name)
			crc = crcCombine(crc, nameCRC, nameShift)
		}
		dst = append(dst, part...)
		crc = crcCombine(crc, p.crcs[i], p.shifts[i])
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

// CRC-32 combination (zlib's crc32_combine, crc32.c): the CRC-32 of a+b is the CRC of a multiplied by
// x^(8·len(b)) modulo the CRC polynomial, plus the CRC of b. Polynomials are in crc32.IEEE's reflected
// form: the bit 1<<31 is x^0.

// crcCombine is the CRC-32 of a+b from crcA, crcB and shift = crcShift(len(b)).
func crcCombine(crcA, crcB, shift uint32) uint32 { return multModP(shift, crcA) ^ crcB }

// crcShift is x^(8·n) modulo the CRC polynomial: the product of x^(2^(j+3)) over the bits j set in n.
func crcShift(n int) uint32 {
	p := uint32(1) << 31 // x^0
	for k := 3; n > 0; n, k = n>>1, k+1 {
		if n&1 != 0 {
			p = multModP(x2nModP[k%32], p)
		}
	}
	return p
}

// multModP is a·b modulo the CRC polynomial.
func multModP(a, b uint32) uint32 {
	var p uint32
	for m := uint32(1) << 31; m != 0; m >>= 1 {
		if a&m != 0 {
			p ^= b
		}
		if b&1 != 0 {
			b = b>>1 ^ crc32.IEEE
		} else {
			b >>= 1
		}
	}
	return p
}

// x2nModP[k] is x^(2^k) modulo the CRC polynomial; beyond k = 31 it repeats (x^(2^32) = x modulo this
// polynomial, as zlib's x2nmodp relies on).
var x2nModP = func() (t [32]uint32) {
	p := uint32(1) << 30 // x^1
	for k := range t {
		t[k] = p
		p = multModP(p, p)
	}
	return t
}()
