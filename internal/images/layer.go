package images

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"sort"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// epoch is every file's mtime and the images' creation time: a fixed date
// makes the digests depend on content only.
var epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// entry is one file of a layer.
type entry struct {
	path     string // relative, no leading slash
	mode     int64  // permission bits (with sticky etc.)
	typeflag byte   // tar.TypeDir, TypeReg or TypeSymlink
	data     []byte // for files
	target   string // for symlinks
}

func dir(path string, mode int64) entry { return entry{path: path, mode: mode, typeflag: tar.TypeDir} }

func file(path string, mode int64, data []byte) entry {
	return entry{path: path, mode: mode, typeflag: tar.TypeReg, data: data}
}

func symlink(path, target string) entry {
	return entry{path: path, mode: 0o777, typeflag: tar.TypeSymlink, target: target}
}

// layerTar writes entries in path order with fixed owners and times, so the
// same entries always give the same bytes.
func layerTar(entries []entry) ([]byte, error) {
	sorted := append([]entry(nil), entries...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].path < sorted[j].path })
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range sorted {
		name := e.path
		if e.typeflag == tar.TypeDir {
			name += "/"
		}
		h := &tar.Header{
			Typeflag: e.typeflag, Name: name, Linkname: e.target, Mode: e.mode,
			Size: int64(len(e.data)), ModTime: epoch, Format: tar.FormatPAX,
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("tar header %s: %w", e.path, err)
		}
		if _, err := tw.Write(e.data); err != nil {
			return nil, fmt.Errorf("tar data %s: %w", e.path, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("close tar: %w", err)
	}
	return buf.Bytes(), nil
}

// newLayer makes an OCI gzip layer of the tar bytes.
func newLayer(tarBytes []byte) (v1.Layer, error) {
	open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(tarBytes)), nil }
	l, err := tarball.LayerFromOpener(open, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, fmt.Errorf("make layer: %w", err)
	}
	return l, nil
}
