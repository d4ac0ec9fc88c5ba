package web

import (
	"bytes"
	"compress/gzip"
	"hash/crc32"
	"io"
	"strings"
	"testing"
)

// TestSplitPage_Gzip: the gzip stream spliced from the parts compressed once and the viewer's name is one valid
// gzip member (a strict reader: one member, its CRC-32 and length checked) holding exactly the plain page, for
// names short, empty, escaped and longer than a stored block; the tag differs per name and per page.
func TestSplitPage_Gzip(t *testing.T) {
	body := []byte(strings.Repeat("<p>Catalogue du Campus du numérique public</p>\n", 400) + `<a title="Mon compte - ` +
		viewerNameMark + `">` + viewerNameMark + "</a>" + strings.Repeat("<li>module</li>", 300) + viewerNameMark)
	p := newSplitPage(body, "text/html; charset=utf-8", nil)
	if len(p.parts) != 4 {
		t.Fatalf("%d parts", len(p.parts))
	}
	tags := map[string]string{}
	for _, name := range []string{"Camille Agent", "", "Zoé L&#39;Hôte &lt;b&gt;", strings.Repeat("é", 40000)} {
		var plain bytes.Buffer
		p.writePlain(&plain, []byte(name))
		want := bytes.ReplaceAll(body, []byte(viewerNameMark), []byte(name))
		if !bytes.Equal(plain.Bytes(), want) || p.plainLen([]byte(name)) != len(want) {
			t.Fatalf("plain page for %.20q: %d bytes (length said %d), want %d", name, plain.Len(), p.plainLen([]byte(name)), len(want))
		}
		zr, err := gzip.NewReader(bytes.NewReader(p.appendGzip(nil, []byte(name))))
		if err != nil {
			t.Fatal(err)
		}
		zr.Multistream(false)
		got, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("gzip page for %.20q: %v", name, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("gzip page for %.20q: %d bytes differ from the plain page's %d", name, len(got), len(want))
		}
		tag := p.etag([]byte(name))
		if other, ok := tags[tag]; ok {
			t.Fatalf("%.20q and %.20q share the tag %s", name, other, tag)
		}
		tags[tag] = name
	}
	if newSplitPage(append(body, 'x'), "", nil).etag(nil) == p.etag(nil) {
		t.Error("two pages share a tag")
	}
	if p.size >= 2*len(body) || len(bytes.Join(p.gzParts, nil)) > len(body)/4 {
		t.Errorf("compressed parts: %d bytes for %d", len(bytes.Join(p.gzParts, nil)), len(body))
	}
}

// crcCombine gives the CRC-32 of a concatenation from the CRCs of its halves.
func TestCRCCombine(t *testing.T) {
	data := make([]byte, 70000)
	for i := range data {
		data[i] = byte(i*7 + i>>8)
	}
	for _, cut := range [][2]int{{0, 0}, {0, 5}, {5, 0}, {1, 1}, {3, 1000}, {1000, 3}, {12345, 54321}, {0, 70000}, {69999, 1}} {
		a, b := data[:cut[0]], data[cut[0]:cut[0]+cut[1]]
		want := crc32.ChecksumIEEE(data[:cut[0]+cut[1]])
		if got := crcCombine(crc32.ChecksumIEEE(a), crc32.ChecksumIEEE(b), crcShift(len(b))); got != want {
			t.Errorf("%v: %08x, want %08x", cut, got, want)
		}
	}
}
