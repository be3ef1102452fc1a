package registry

import (
	"net/http"
	"os"
	"strconv"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// serveBlob answers GET and HEAD of a blob; ServeContent adds Range support,
// which containerd uses to resume interrupted pulls.
func (r *Registry) serveBlob(w http.ResponseWriter, req *http.Request, digest string) error {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		return methodNotAllowed()
	}
	d, err := v1.NewHash(digest)
	if err != nil {
		return newError(http.StatusBadRequest, "DIGEST_INVALID", "invalid digest")
	}
	f, err := os.Open(r.store.blobPath(d))
	if err != nil {
		return &apiError{status: http.StatusNotFound, Code: "BLOB_UNKNOWN",
			Message: "blob unknown to registry", Detail: map[string]string{"digest": d.String()}}
	}
	defer f.Close()
	w.Header().Set("Docker-Content-Digest", d.String())
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Etag", `"`+d.String()+`"`)
	http.ServeContent(w, req, "", time.Time{}, f)
	return nil
}

func blobLocation(name string, d v1.Hash) string {
	return "/v2/" + name + "/blobs/" + d.String()
}

func uploadLocation(name, id string) string {
	return "/v2/" + name + "/blobs/uploads/" + id
}

// blobCreated answers a finished upload.
func blobCreated(w http.ResponseWriter, name string, d v1.Hash) {
	w.Header().Set("Location", blobLocation(name, d))
	w.Header().Set("Docker-Content-Digest", d.String())
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusCreated)
}

// uploadAccepted answers a started or continued upload with how much the
// registry holds so far.
func uploadAccepted(w http.ResponseWriter, status int, name, id string, size int64) {
	w.Header().Set("Location", uploadLocation(name, id))
	w.Header().Set("Docker-Upload-UUID", id)
	end := size - 1
	if end < 0 {
		end = 0
	}
	w.Header().Set("Range", "0-"+strconv.FormatInt(end, 10))
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(status)
}
