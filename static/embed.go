// Package static embeds the portal's own assets and the DSFR dist files copied in from node_modules by
// `make assets`, and serves them under a content-versioned path with long cache lifetimes.
package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"sort"
	"strings"
	"sync"
	"time"
)

//go:embed all:dsfr css js img campus.webmanifest
var files embed.FS

func init() {
	// The web manifest's type (not in every system's mime.types).
	mime.AddExtensionType(".webmanifest", "application/manifest+json")
}

// FS is the tree of static files.
var FS fs.FS = files

var version = sync.OnceValue(func() string {
	h := sha256.New()
	var names []string
	fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return nil
	})
	sort.Strings(names)
	for _, n := range names {
		b, _ := files.ReadFile(n)
		h.Write([]byte(n))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
})

// Version is a hash of every static file: it changes whenever any of them does.
func Version() string { return version() }

// Prefix is the URL path under which the files are served.
const Prefix = "/static/"

// Path is the versioned URL of a static file, e.g. Path("dsfr/dsfr-campus.min.css"). Relative URLs inside CSS
// (fonts, icons) resolve under the same versioned folder.
func Path(name string) string { return Prefix + Version() + "/" + name }

// HasDSFR reports whether the DSFR files were copied in (make assets).
func HasDSFR() bool {
	_, err := fs.Stat(files, "dsfr/dsfr-campus.min.css")
	return err == nil
}

// Handler serves /static/{version}/{file}. The current version is cached for a year as immutable; a request
// for another version (a page rendered before a deploy) is served the current file with a short lifetime.
func Handler() http.Handler {
	fileServer := http.FileServerFS(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest := strings.TrimPrefix(r.URL.Path, Prefix)
		ver, name, ok := strings.Cut(rest, "/")
		if !ok || name == "" || strings.HasSuffix(name, "/") || path.Clean("/"+name) != "/"+name {
			http.NotFound(w, r)
			return
		}
		if ver == Version() {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=300")
		}
		w.Header().Add("Vary", "Accept-Encoding")
		if gz := gzipped(name); gz != nil && AcceptsGzip(r) {
			// Compressed once per file and process, not once per request.
			w.Header().Set("Content-Type", mime.TypeByExtension(path.Ext(name)))
			w.Header().Set("Content-Encoding", "gzip")
			http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(gz))
			return
		}
		if st, err := fs.Stat(files, name); err == nil && st.IsDir() {
			// No listing, and no redirection to "name/" (the router strips trailing slashes: it would loop).
			http.NotFound(w, r)
			return
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + name
		fileServer.ServeHTTP(w, r2)
	})
}

// compressible are the extensions worth gzipping (fonts and images are compressed already).
var compressible = map[string]bool{".css": true, ".js": true, ".svg": true, ".json": true, ".ico": true, ".map": true}

var gzCache sync.Map // name → func() []byte

// gzipped returns the file gzipped (computed on first use, then kept), or nil when the file is missing, not
// worth compressing, or would not shrink.
func gzipped(name string) []byte {
	if !compressible[path.Ext(name)] {
		return nil
	}
	f, ok := gzCache.Load(name)
	if !ok {
		f, _ = gzCache.LoadOrStore(name, sync.OnceValue(func() []byte {
			b, err := files.ReadFile(name)
			if err != nil {
				return nil
			}
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			zw.Write(b)
			zw.Close()
			if buf.Len() >= len(b) {
				return nil
			}
			return buf.Bytes()
		}))
	}
	return f.(func() []byte)()
}

// AcceptsGzip reports whether the request's Accept-Encoding lists gzip (without q=0).
// It reads Accept-Encoding: gzip listed without q=0.
func AcceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for part := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if strings.EqualFold(strings.TrimSpace(coding), "gzip") {
				q := strings.ReplaceAll(params, " ", "")
				return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
			}
		}
	}
	return false
}
