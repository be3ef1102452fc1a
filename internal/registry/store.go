package registry

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// store is the on-disk layout of the registry. Everything is a plain file so
// that several processes (the server and `rudder image import`) can share a
// directory: each file appears by an atomic rename, so a reader never sees a
// partial one, and a rename acknowledged after fsync survives a crash.
//
//	blobs/sha256/<hex>                              content-addressed blobs (layers, configs, manifests)
//	uploads/<id>                                    blob uploads in progress
//	repositories/<name>/_manifests/revisions/<hex>  manifest in this repository; holds its media type
//	repositories/<name>/_manifests/tags/<tag>       tag; holds the manifest digest
//
// Repository path components never start with '_' (Distribution grammar), so
// "_manifests" cannot collide with a nested repository name.
type store struct {
	root string
}

const manifestsDir = "_manifests"

func newStore(root string) (*store, error) {
	for _, d := range []string{"blobs/sha256", "uploads", "repositories"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return nil, fmt.Errorf("create registry dir: %w", err)
		}
	}
	return &store{root: root}, nil
}

func (s *store) blobPath(d v1.Hash) string {
	return filepath.Join(s.root, "blobs", d.Algorithm, d.Hex)
}

func (s *store) uploadPath(id string) string {
	return filepath.Join(s.root, "uploads", id)
}

func (s *store) repoPath(repo string) string {
	return filepath.Join(s.root, "repositories", filepath.FromSlash(repo), manifestsDir)
}

func (s *store) revisionPath(repo string, d v1.Hash) string {
	return filepath.Join(s.repoPath(repo), "revisions", d.Hex)
}

func (s *store) tagPath(repo, tag string) string {
	return filepath.Join(s.repoPath(repo), "tags", tag)
}

// hasBlob reports the size of a stored blob.
func (s *store) hasBlob(d v1.Hash) (int64, bool) {
	fi, err := os.Stat(s.blobPath(d))
	if err != nil || !fi.Mode().IsRegular() {
		return 0, false
	}
	return fi.Size(), true
}

// putBlob stores r as a blob, checking that its content has digest want.
func (s *store) putBlob(want v1.Hash, r io.Reader) error {
	if _, ok := s.hasBlob(want); ok {
		return nil
	}
	f, err := os.CreateTemp(filepath.Join(s.root, "uploads"), "put-*")
	if err != nil {
		return fmt.Errorf("create temp blob: %w", err)
	}
	defer os.Remove(f.Name())
	_, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write blob %s: %w", want, err)
	}
	return s.commitBlob(f.Name(), want)
}

// commitBlob verifies the digest of the file at path and moves it into place.
func (s *store) commitBlob(path string, want v1.Hash) error {
	got, err := fileDigest(path)
	if err != nil {
		return err
	}
	if got != want {
		return &digestMismatchError{want: want, got: got}
	}
	if _, ok := s.hasBlob(want); ok {
		return os.Remove(path)
	}
	return publish(path, s.blobPath(want))
}

type digestMismatchError struct{ want, got v1.Hash }

func (e *digestMismatchError) Error() string {
	return fmt.Sprintf("digest mismatch: want %s, content has %s", e.want, e.got)
}

func fileDigest(path string) (v1.Hash, error) {
	f, err := os.Open(path)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	h, _, err := v1.SHA256(f)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("hash %s: %w", path, err)
	}
	return h, nil
}

// publish fsyncs src and atomically renames it to dst, then fsyncs dst's
// directory so that the rename itself is durable.
func publish(src, dst string) error {
	if err := syncFile(src); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(dst), err)
	}
	if err := os.Rename(src, dst); err != nil {
		return fmt.Errorf("publish %s: %w", dst, err)
	}
	return syncDir(filepath.Dir(dst))
}

// writeFileAtomic writes small files (tags, revision links).
func writeFileAtomic(dst string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(dst), err)
	}
	f, err := os.CreateTemp(filepath.Dir(dst), ".tmp-*")
	if err != nil {
		return fmt.Errorf("create temp for %s: %w", dst, err)
	}
	defer os.Remove(f.Name())
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", dst, err)
	}
	return publish(f.Name(), dst)
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("open %s for sync: %w", path, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open dir %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync dir %s: %w", dir, err)
	}
	return nil
}

func newUploadID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// listNames lists the regular files of dir (tags) sorted; a missing dir is empty.
func listNames(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".tmp-") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}
