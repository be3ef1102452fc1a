package registry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// storedManifest locates a manifest of a repository.
type storedManifest struct {
	digest    v1.Hash
	mediaType string
	size      int64
}

// resolve finds the manifest a tag or digest names in repo.
func (s *store) resolve(repo, ref string) (storedManifest, error) {
	d, err := v1.NewHash(ref)
	if err != nil { // not a digest: a tag
		b, rerr := os.ReadFile(s.tagPath(repo, ref))
		if rerr != nil {
			return storedManifest{}, errManifestUnknown
		}
		if d, err = v1.NewHash(strings.TrimSpace(string(b))); err != nil {
			return storedManifest{}, fmt.Errorf("corrupt tag %s:%s: %w", repo, ref, err)
		}
	}
	mt, err := os.ReadFile(s.revisionPath(repo, d))
	if err != nil {
		return storedManifest{}, errManifestUnknown
	}
	size, ok := s.hasBlob(d)
	if !ok {
		return storedManifest{}, errManifestUnknown
	}
	return storedManifest{digest: d, mediaType: string(mt), size: size}, nil
}

var errManifestUnknown = errors.New("manifest unknown")

// repoExists reports whether any manifest was ever pushed to repo.
func (s *store) repoExists(repo string) bool {
	_, err := os.Stat(s.repoPath(repo))
	return err == nil
}

// putManifest stores body as a manifest of repo, tagging it when ref is a
// tag. The blob and revision are written before the tag, so a crash never
// leaves a tag naming a manifest that is not there.
func (s *store) putManifest(repo, ref, mediaType string, body []byte) (v1.Hash, error) {
	d, _, err := v1.SHA256(bytes.NewReader(body))
	if err != nil {
		return v1.Hash{}, err
	}
	if want, herr := v1.NewHash(ref); herr == nil && want != d {
		return v1.Hash{}, &digestMismatchError{want: want, got: d}
	}
	if err := s.checkReferences(repo, types.MediaType(mediaType), body); err != nil {
		return v1.Hash{}, err
	}
	if err := s.putBlob(d, bytes.NewReader(body)); err != nil {
		return v1.Hash{}, err
	}
	if err := writeFileAtomic(s.revisionPath(repo, d), []byte(mediaType)); err != nil {
		return v1.Hash{}, err
	}
	if _, herr := v1.NewHash(ref); herr != nil {
		if err := writeFileAtomic(s.tagPath(repo, ref), []byte(d.String())); err != nil {
			return v1.Hash{}, err
		}
	}
	return d, nil
}

// missingError names content a manifest refers to that the registry lacks.
type missingError struct {
	code string
	what v1.Hash
}

func (e *missingError) Error() string { return fmt.Sprintf("%s: %s", e.code, e.what) }

// checkReferences refuses a manifest whose blobs or child manifests are not
// stored: a pull of an accepted manifest must never fail half-way.
func (s *store) checkReferences(repo string, mt types.MediaType, body []byte) error {
	switch {
	case mt.IsIndex():
		im, err := v1.ParseIndexManifest(bytes.NewReader(body))
		if err != nil {
			return &invalidManifestError{err}
		}
		for _, desc := range im.Manifests {
			if _, err := os.Stat(s.revisionPath(repo, desc.Digest)); err != nil {
				return &missingError{code: "MANIFEST_UNKNOWN", what: desc.Digest}
			}
		}
	case mt.IsImage():
		m, err := v1.ParseManifest(bytes.NewReader(body))
		if err != nil {
			return &invalidManifestError{err}
		}
		descs := append([]v1.Descriptor{m.Config}, m.Layers...)
		for _, desc := range descs {
			if !desc.MediaType.IsDistributable() {
				continue
			}
			if _, ok := s.hasBlob(desc.Digest); !ok {
				return &missingError{code: "MANIFEST_BLOB_UNKNOWN", what: desc.Digest}
			}
		}
	default:
		if !json.Valid(body) {
			return &invalidManifestError{errors.New("manifest is not JSON")}
		}
	}
	return nil
}

type invalidManifestError struct{ err error }

func (e *invalidManifestError) Error() string { return "invalid manifest: " + e.err.Error() }

// deleteManifest removes a tag, or a manifest revision and every tag naming
// it. Blobs stay: they may be shared, and there is no garbage collector yet.
func (s *store) deleteManifest(repo, ref string) error {
	m, err := s.resolve(repo, ref)
	if err != nil {
		return err
	}
	if _, herr := v1.NewHash(ref); herr != nil {
		return removeDurably(s.tagPath(repo, ref))
	}
	tags, err := s.tags(repo)
	if err != nil {
		return err
	}
	for _, t := range tags {
		if tm, err := s.resolve(repo, t); err == nil && tm.digest == m.digest {
			if err := removeDurably(s.tagPath(repo, t)); err != nil {
				return err
			}
		}
	}
	return removeDurably(s.revisionPath(repo, m.digest))
}

func removeDurably(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

func (s *store) tags(repo string) ([]string, error) {
	return listNames(filepath.Join(s.repoPath(repo), "tags"))
}

// repositories walks repositories/ for directories holding manifests.
func (s *store) repositories() ([]string, error) {
	base := filepath.Join(s.root, "repositories")
	var repos []string
	err := filepath.WalkDir(base, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() || d.Name() != manifestsDir {
			return nil
		}
		rel, err := filepath.Rel(base, filepath.Dir(path))
		if err != nil {
			return err
		}
		repos = append(repos, filepath.ToSlash(rel))
		return filepath.SkipDir
	})
	if err != nil {
		return nil, fmt.Errorf("list repositories: %w", err)
	}
	sort.Strings(repos)
	return repos, nil
}
