package registry

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Import stores the images of a docker-archive (`docker save`), an OCI
// layout tarball, or an OCI layout directory; either may be gzipped when a
// file. It returns the references imported (docker.io/library/busybox:latest).
// Images with no name in the archive cannot be addressed and are skipped.
func (r *Registry) Import(ctx context.Context, path string) ([]string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	if fi.IsDir() {
		return r.importLayout(ctx, path)
	}
	open := archiveOpener(path)
	kind, err := archiveKind(open)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	switch kind {
	case "docker":
		return r.importDockerArchive(ctx, open)
	case "oci":
		return r.importLayoutTar(ctx, open)
	}
	return nil, fmt.Errorf("import %s: neither a docker archive (manifest.json) nor an OCI layout (oci-layout)", path)
}

// archiveOpener opens the file as a plain tar stream, gunzipping it if needed.
// go-containerregistry's tarball reader re-opens the archive for each file it
// reads, so this must be callable many times.
func archiveOpener(path string) tarball.Opener {
	return func() (io.ReadCloser, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		br := bufio.NewReader(f)
		magic, _ := br.Peek(2)
		if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
			zr, err := gzip.NewReader(br)
			if err != nil {
				f.Close()
				return nil, err
			}
			return readCloser{Reader: zr, close: f.Close}, nil
		}
		return readCloser{Reader: br, close: f.Close}, nil
	}
}

type readCloser struct {
	io.Reader
	close func() error
}

func (rc readCloser) Close() error { return rc.close() }

// archiveKind prefers docker's manifest.json, which names images by their
// tags; Docker 25+ writes both files, and both describe the same images.
func archiveKind(open tarball.Opener) (string, error) {
	rc, err := open()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	kind := ""
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return kind, nil
		}
		if err != nil {
			return "", fmt.Errorf("read tar: %w", err)
		}
		switch strings.TrimPrefix(h.Name, "./") {
		case "manifest.json":
			return "docker", nil
		case "oci-layout":
			kind = "oci"
		}
	}
}

func (r *Registry) importDockerArchive(ctx context.Context, open tarball.Opener) ([]string, error) {
	m, err := tarball.LoadManifest(open)
	if err != nil {
		return nil, fmt.Errorf("read docker archive manifest: %w", err)
	}
	var refs []string
	for _, entry := range m {
		for _, t := range entry.RepoTags {
			tag, err := name.NewTag(t)
			if err != nil {
				return refs, fmt.Errorf("image tag %q: %w", t, err)
			}
			img, err := tarball.Image(open, &tag)
			if err != nil {
				return refs, fmt.Errorf("read image %s: %w", t, err)
			}
			if err := r.PutImage(ctx, tag, img); err != nil {
				return refs, err
			}
			refs = append(refs, DisplayName(tag))
		}
	}
	return nonEmpty(refs)
}

func nonEmpty(refs []string) ([]string, error) {
	if len(refs) == 0 {
		return nil, errors.New("import: the archive names no image (no tags)")
	}
	return refs, nil
}

// importLayoutTar unpacks an OCI layout next to the uploads (same disk as
// the blobs) and imports the directory.
func (r *Registry) importLayoutTar(ctx context.Context, open tarball.Opener) ([]string, error) {
	dir, err := os.MkdirTemp(filepath.Join(r.store.root, "uploads"), "import-")
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := untar(open, dir); err != nil {
		return nil, fmt.Errorf("unpack OCI layout: %w", err)
	}
	return r.importLayout(ctx, dir)
}

// untar extracts regular files only: a layout has nothing else, and this
// refuses links or paths that would escape dir.
func untar(open tarball.Opener, dir string) error {
	rc, err := open()
	if err != nil {
		return err
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		clean := filepath.Clean(filepath.FromSlash(h.Name))
		if filepath.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
			return fmt.Errorf("unsafe path %q in archive", h.Name)
		}
		if err := extractFile(tr, filepath.Join(dir, clean)); err != nil {
			return err
		}
	}
}

func extractFile(r io.Reader, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Annotations naming an image in an OCI layout's index.json: containerd's
// full reference first, then OCI's ref.name when it is a full reference
// (it is often a bare tag, which names no repository).
const (
	annotationContainerdName = "io.containerd.image.name"
	annotationRefName        = "org.opencontainers.image.ref.name"
)

func layoutReference(desc v1.Descriptor) (name.Reference, bool) {
	if n := desc.Annotations[annotationContainerdName]; n != "" {
		if ref, err := name.ParseReference(n); err == nil {
			return ref, true
		}
	}
	n := desc.Annotations[annotationRefName]
	if !strings.ContainsAny(n, "/:@") {
		return nil, false
	}
	ref, err := name.ParseReference(n)
	return ref, err == nil
}

func (r *Registry) importLayout(ctx context.Context, dir string) ([]string, error) {
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("read OCI layout %s: %w", dir, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("read OCI layout index: %w", err)
	}
	var refs []string
	for _, desc := range im.Manifests {
		ref, ok := layoutReference(desc)
		if !ok {
			continue
		}
		if err := r.importLayoutEntry(ctx, idx, desc, ref); err != nil {
			return refs, err
		}
		refs = append(refs, DisplayName(ref))
	}
	return nonEmpty(refs)
}

func (r *Registry) importLayoutEntry(ctx context.Context, idx v1.ImageIndex, desc v1.Descriptor, ref name.Reference) error {
	switch {
	case desc.MediaType.IsImage():
		img, err := idx.Image(desc.Digest)
		if err != nil {
			return fmt.Errorf("read image %s: %w", desc.Digest, err)
		}
		return r.PutImage(ctx, ref, img)
	case desc.MediaType.IsIndex():
		child, err := idx.ImageIndex(desc.Digest)
		if err != nil {
			return fmt.Errorf("read index %s: %w", desc.Digest, err)
		}
		return r.PutIndex(ctx, ref, child)
	}
	return fmt.Errorf("unsupported media type %s for %s", desc.MediaType, DisplayName(ref))
}
