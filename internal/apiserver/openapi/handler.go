package openapi

import (
	"bytes"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	v3Prefix = "/openapi/v3"
	v2Path   = "/openapi/v2"
)

// Handler serves /openapi/v3 and /openapi/v3/<group-version path> in JSON,
// and /openapi/v2 in JSON or protobuf. Mount it at those absolute paths.
func (s *Spec) Handler() http.Handler {
	// Documents never change after Build, so one modification time serves
	// If-Modified-Since for the life of the process.
	built := time.Now()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := strings.TrimSuffix(r.URL.Path, "/")
		if p == v2Path {
			s.serveV2(w, r, built)
			return
		}
		if !strings.HasPrefix(p, v3Prefix) || (p != v3Prefix && !strings.HasPrefix(p, v3Prefix+"/")) {
			http.NotFound(w, r)
			return
		}
		if negotiate(r.Header.Values("Accept"), false) != "application/json" {
			http.Error(w, "only application/json is served", http.StatusNotAcceptable)
			return
		}
		if p == v3Prefix {
			serve(w, r, "application/json", s.v3Root, built)
			return
		}
		s.serveGroup(w, r, strings.TrimPrefix(p, v3Prefix+"/"), built)
	})
}

func (s *Spec) serveV2(w http.ResponseWriter, r *http.Request, built time.Time) {
	switch negotiate(r.Header.Values("Accept"), true) {
	case "application/json":
		w.Header().Set("Etag", strconv.Quote(s.v2ETag))
		serve(w, r, "application/json", s.v2, built)
	case v2ProtoType:
		body, etag, err := s.v2pb.get(s.v2)
		if err != nil {
			slog.Error("openapi v2 protobuf", "err", err)
			http.Error(w, "protobuf document unavailable", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Etag", strconv.Quote(etag))
		serve(w, r, v2ProtoType, body, built)
	default:
		http.Error(w, "only application/json and "+v2ProtoType+" are served", http.StatusNotAcceptable)
	}
}

// serveGroup serves one group-version document. A request naming the
// current hash may be cached forever; one naming an old hash is redirected
// to the current URL, as kube-apiserver does.
func (s *Spec) serveGroup(w http.ResponseWriter, r *http.Request, path string, built time.Time) {
	doc, ok := s.groups[path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Etag", strconv.Quote(doc.etag))
	if hash := r.URL.Query().Get("hash"); hash != "" {
		if hash != doc.etag {
			http.Redirect(w, r, hashedURL(path, doc.etag), http.StatusMovedPermanently)
			return
		}
		w.Header().Set("Vary", "Accept")
		w.Header().Set("Cache-Control", "public, immutable")
		w.Header().Set("Expires", time.Now().AddDate(1, 0, 0).UTC().Format(http.TimeFormat))
	}
	serve(w, r, "application/json", doc.body, built)
}

// serve writes body; http.ServeContent answers If-None-Match (against the
// Etag header already set) and If-Modified-Since with 304.
func serve(w http.ResponseWriter, r *http.Request, contentType string, body []byte, modified time.Time) {
	w.Header().Set("Content-Type", contentType)
	http.ServeContent(w, r, "", modified, bytes.NewReader(body))
}

// negotiate picks the first media type of the Accept header that is served:
// "application/json", or with protobuf set also v2ProtoType. It returns ""
// when none is. A missing header means JSON.
func negotiate(accept []string, protobuf bool) string {
	if len(accept) == 0 {
		return "application/json"
	}
	for _, v := range accept {
		for _, clause := range strings.Split(v, ",") {
			// Not mime.ParseMediaType: "@" in the protobuf type is a tspecial.
			mt, _, _ := strings.Cut(clause, ";")
			switch strings.ToLower(strings.TrimSpace(mt)) {
			case "application/json", "application/*", "*/*":
				return "application/json"
			case v2ProtoType, v2ProtoDeprecated:
				if protobuf {
					return v2ProtoType
				}
			}
		}
	}
	return ""
}
