// Package registry is Rudder's embedded OCI Distribution registry: an
// http.Handler that keeps blobs and manifests on disk, so that every node of
// a cluster with no internet pulls its images from the server.
package registry

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
)

// Registry serves the OCI Distribution API from a directory. All state is on
// disk (see store), so several Registry values, even in several processes,
// may share one directory.
type Registry struct {
	store *store
	// uploadLocks serialises appends to one upload session.
	uploadLocks sync.Map // id -> *sync.Mutex
}

// New opens (creating if needed) a registry stored under dir.
func New(dir string) (*Registry, error) {
	s, err := newStore(dir)
	if err != nil {
		return nil, fmt.Errorf("open registry %s: %w", dir, err)
	}
	return &Registry{store: s}, nil
}

// Handler serves /v2/ of the Distribution API. Repositories are addressed
// without a registry host (library/busybox), which is how containerd
// addresses a mirror.
func (r *Registry) Handler() http.Handler {
	return http.HandlerFunc(r.serve)
}

var (
	// Distribution's repository-name grammar; it also keeps paths inside dir.
	nameRE = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$`)
	tagRE  = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$`)
	idRE   = regexp.MustCompile(`^[0-9a-f]{32}$`)
)

// route is a parsed /v2/ request path.
type route struct {
	kind string // base, catalog, tags, manifest, blob, upload
	name string
	arg  string // tag/digest, blob digest, or upload id ("" starts one)
}

func parseRoute(path string) (route, bool) {
	rest, ok := strings.CutPrefix(path, "/v2")
	if !ok {
		return route{}, false
	}
	rest = strings.TrimPrefix(rest, "/")
	if rest == "" {
		return route{kind: "base"}, true
	}
	if rest == "_catalog" {
		return route{kind: "catalog"}, true
	}
	el := strings.Split(rest, "/")
	n := len(el)
	join := func(k int) string { return strings.Join(el[:k], "/") }
	switch {
	case n >= 3 && el[n-2] == "tags" && el[n-1] == "list":
		return route{kind: "tags", name: join(n - 2)}, true
	case n >= 3 && el[n-2] == "manifests":
		return route{kind: "manifest", name: join(n - 2), arg: el[n-1]}, true
	case n >= 4 && el[n-3] == "blobs" && el[n-2] == "uploads":
		return route{kind: "upload", name: join(n - 3), arg: el[n-1]}, true
	case n >= 3 && el[n-2] == "blobs" && el[n-1] == "uploads":
		return route{kind: "upload", name: join(n - 2)}, true
	case n >= 3 && el[n-2] == "blobs":
		return route{kind: "blob", name: join(n - 2), arg: el[n-1]}, true
	}
	return route{}, false
}

func (r *Registry) serve(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	rt, ok := parseRoute(req.URL.Path)
	if !ok {
		writeError(w, req, newError(http.StatusNotFound, "NOT_FOUND", "no such endpoint"))
		return
	}
	if rt.name != "" && !nameRE.MatchString(rt.name) {
		writeError(w, req, newError(http.StatusBadRequest, "NAME_INVALID", "invalid repository name"))
		return
	}
	var err error
	switch rt.kind {
	case "base":
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("{}"))
	case "catalog":
		err = r.serveCatalog(w, req)
	case "tags":
		err = r.serveTags(w, req, rt.name)
	case "manifest":
		err = r.serveManifest(w, req, rt.name, rt.arg)
	case "blob":
		err = r.serveBlob(w, req, rt.arg)
	case "upload":
		err = r.serveUpload(w, req, rt.name, rt.arg)
	}
	if err != nil {
		writeError(w, req, err)
	}
}

func methodNotAllowed() *apiError {
	return newError(http.StatusMethodNotAllowed, "UNSUPPORTED", "method not allowed")
}
