package registry

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func blobUploadUnknown() *apiError {
	return newError(http.StatusNotFound, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry")
}

// serveUpload implements blob uploads: POST starts one (or does a whole
// monolithic upload with ?digest=, or a cross-repository mount), PATCH
// appends a chunk, PUT ?digest= finishes, GET reports progress, DELETE
// cancels. An upload is a file under uploads/ until PUT verifies its digest
// and renames it into blobs/.
func (r *Registry) serveUpload(w http.ResponseWriter, req *http.Request, name, id string) error {
	if id == "" {
		if req.Method != http.MethodPost {
			return methodNotAllowed()
		}
		return r.startUpload(w, req, name)
	}
	if !idRE.MatchString(id) {
		return blobUploadUnknown()
	}
	mu := r.uploadLock(id)
	mu.Lock()
	defer mu.Unlock()
	path := r.store.uploadPath(id)
	fi, err := os.Stat(path)
	if err != nil {
		return blobUploadUnknown()
	}
	switch req.Method {
	case http.MethodGet:
		uploadAccepted(w, http.StatusNoContent, name, id, fi.Size())
		return nil
	case http.MethodPatch:
		size, err := appendChunk(path, fi.Size(), req)
		if err != nil {
			return err
		}
		uploadAccepted(w, http.StatusAccepted, name, id, size)
		return nil
	case http.MethodPut:
		return r.finishUpload(w, req, name, id, fi.Size())
	case http.MethodDelete:
		r.uploadLocks.Delete(id)
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("cancel upload: %w", err)
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	return methodNotAllowed()
}

func (r *Registry) uploadLock(id string) *sync.Mutex {
	mu, _ := r.uploadLocks.LoadOrStore(id, &sync.Mutex{})
	return mu.(*sync.Mutex)
}

func (r *Registry) startUpload(w http.ResponseWriter, req *http.Request, name string) error {
	q := req.URL.Query()
	if mount := q.Get("mount"); mount != "" {
		// Blobs are shared by all repositories, so a mount succeeds whenever
		// the blob exists; otherwise fall back to a new upload, as the spec says.
		if d, err := v1.NewHash(mount); err == nil {
			if _, ok := r.store.hasBlob(d); ok {
				blobCreated(w, name, d)
				return nil
			}
		}
	}
	if digest := q.Get("digest"); digest != "" {
		d, err := v1.NewHash(digest)
		if err != nil {
			return newError(http.StatusBadRequest, "DIGEST_INVALID", "invalid digest")
		}
		if err := r.store.putBlob(d, req.Body); err != nil {
			return err
		}
		blobCreated(w, name, d)
		return nil
	}
	id := newUploadID()
	f, err := os.OpenFile(r.store.uploadPath(id), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("start upload: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("start upload: %w", err)
	}
	uploadAccepted(w, http.StatusAccepted, name, id, 0)
	return nil
}

// appendChunk appends the request body to the upload at path, which holds
// size bytes. A Content-Range that does not start at size is refused with
// 416, so a client never leaves a hole or an overlap.
func appendChunk(path string, size int64, req *http.Request) (int64, error) {
	if cr := req.Header.Get("Content-Range"); cr != "" {
		start, ok := rangeStart(cr)
		if !ok || start != size {
			return 0, newError(http.StatusRequestedRangeNotSatisfiable, "BLOB_UPLOAD_INVALID",
				fmt.Sprintf("chunk must start at %d", size))
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return 0, fmt.Errorf("open upload: %w", err)
	}
	n, err := io.Copy(f, req.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("append to upload: %w", err)
	}
	return size + n, nil
}

// rangeStart parses "start-end" (optionally prefixed "bytes ").
func rangeStart(cr string) (int64, bool) {
	cr = strings.TrimPrefix(strings.TrimSpace(cr), "bytes ")
	startStr, _, ok := strings.Cut(cr, "-")
	if !ok {
		return 0, false
	}
	start, err := strconv.ParseInt(startStr, 10, 64)
	return start, err == nil
}

func (r *Registry) finishUpload(w http.ResponseWriter, req *http.Request, name, id string, size int64) error {
	d, err := v1.NewHash(req.URL.Query().Get("digest"))
	if err != nil {
		return newError(http.StatusBadRequest, "DIGEST_INVALID", "missing or invalid digest")
	}
	path := r.store.uploadPath(id)
	if _, err := appendChunk(path, size, req); err != nil {
		return err
	}
	r.uploadLocks.Delete(id)
	if err := r.store.commitBlob(path, d); err != nil {
		_ = os.Remove(path) // a failed upload cannot be resumed: its content is wrong
		return err
	}
	blobCreated(w, name, d)
	return nil
}
