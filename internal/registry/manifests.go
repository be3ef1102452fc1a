package registry

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// maxManifestSize bounds a manifest body, as other registries do (4 MiB).
const maxManifestSize = 4 << 20

func (r *Registry) serveManifest(w http.ResponseWriter, req *http.Request, name, ref string) error {
	if _, err := v1.NewHash(ref); err != nil && !tagRE.MatchString(ref) {
		return newError(http.StatusBadRequest, "TAG_INVALID", "invalid tag or digest")
	}
	switch req.Method {
	case http.MethodGet, http.MethodHead:
		return r.getManifest(w, req, name, ref)
	case http.MethodPut:
		return r.putManifest(w, req, name, ref)
	case http.MethodDelete:
		if !r.store.repoExists(name) {
			return nameUnknown()
		}
		if err := r.store.deleteManifest(name, ref); err != nil {
			return err
		}
		w.WriteHeader(http.StatusAccepted)
		return nil
	}
	return methodNotAllowed()
}

func nameUnknown() *apiError {
	return newError(http.StatusNotFound, "NAME_UNKNOWN", "repository name not known to registry")
}

func (r *Registry) getManifest(w http.ResponseWriter, req *http.Request, name, ref string) error {
	if !r.store.repoExists(name) {
		return nameUnknown()
	}
	m, err := r.store.resolve(name, ref)
	if err != nil {
		return err
	}
	f, err := os.Open(r.store.blobPath(m.digest))
	if err != nil {
		return fmt.Errorf("open manifest %s: %w", m.digest, err)
	}
	defer f.Close()
	w.Header().Set("Docker-Content-Digest", m.digest.String())
	w.Header().Set("Content-Type", m.mediaType)
	w.Header().Set("Content-Length", strconv.FormatInt(m.size, 10))
	w.Header().Set("Etag", `"`+m.digest.String()+`"`)
	w.WriteHeader(http.StatusOK)
	if req.Method == http.MethodGet {
		_, _ = io.Copy(w, f)
	}
	return nil
}

func (r *Registry) putManifest(w http.ResponseWriter, req *http.Request, name, ref string) error {
	body, err := io.ReadAll(io.LimitReader(req.Body, maxManifestSize+1))
	if err != nil {
		return fmt.Errorf("read manifest: %w", err)
	}
	if len(body) > maxManifestSize {
		return newError(http.StatusRequestEntityTooLarge, "SIZE_INVALID", "manifest too large")
	}
	mt := manifestMediaType(req.Header.Get("Content-Type"), body)
	d, err := r.store.putManifest(name, ref, mt, body)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v2/"+name+"/manifests/"+d.String())
	w.Header().Set("Docker-Content-Digest", d.String())
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusCreated)
	return nil
}

// manifestMediaType takes the pushed Content-Type, else the manifest's own
// mediaType field, else OCI's image manifest type (an OCI manifest may omit it).
func manifestMediaType(contentType string, body []byte) string {
	if contentType != "" && contentType != "application/octet-stream" {
		return contentType
	}
	var probe struct {
		MediaType string `json:"mediaType"`
	}
	if json.Unmarshal(body, &probe) == nil && probe.MediaType != "" {
		return probe.MediaType
	}
	return string(types.OCIManifestSchema1)
}
