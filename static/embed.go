// Package static embeds the portal's own assets and the DSFR dist files copied in from node_modules by
// `make assets`, and serves them under a content-versioned path with long cache lifetimes.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"
	"sync"
)

//go:embed all:dsfr css
var files embed.FS

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

// Path is the versioned URL of a static file, e.g. Path("dsfr/dsfr.min.css"). Relative URLs inside CSS
// (fonts, icons) resolve under the same versioned folder.
func Path(name string) string { return Prefix + Version() + "/" + name }

// HasDSFR reports whether the DSFR files were copied in (make assets).
func HasDSFR() bool {
	_, err := fs.Stat(files, "dsfr/dsfr.min.css")
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
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + name
		fileServer.ServeHTTP(w, r2)
	})
}
