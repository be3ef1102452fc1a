package registry

import (
	"bytes"
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Digest returns the digest of the manifest ref names, if stored.
func (r *Registry) Digest(ref name.Reference) (v1.Hash, bool) {
	m, err := r.store.resolve(repository(ref), ref.Identifier())
	if err != nil {
		return v1.Hash{}, false
	}
	return m.digest, true
}

// PutImage stores img's layers, config and manifest under ref directly on
// disk (no HTTP), tagging it when ref is a tag.
func (r *Registry) PutImage(ctx context.Context, ref name.Reference, img v1.Image) error {
	if err := r.putImageContent(ctx, img); err != nil {
		return fmt.Errorf("store image %s: %w", DisplayName(ref), err)
	}
	if err := r.putManifestOf(repository(ref), ref.Identifier(), img); err != nil {
		return fmt.Errorf("store image %s: %w", DisplayName(ref), err)
	}
	return nil
}

// PutIndex stores a multi-platform index and all its children under ref.
func (r *Registry) PutIndex(ctx context.Context, ref name.Reference, idx v1.ImageIndex) error {
	if err := r.putIndexChildren(ctx, repository(ref), idx); err != nil {
		return fmt.Errorf("store index %s: %w", DisplayName(ref), err)
	}
	if err := r.putManifestOf(repository(ref), ref.Identifier(), idx); err != nil {
		return fmt.Errorf("store index %s: %w", DisplayName(ref), err)
	}
	return nil
}

func (r *Registry) putIndexChildren(ctx context.Context, repo string, idx v1.ImageIndex) error {
	im, err := idx.IndexManifest()
	if err != nil {
		return err
	}
	for _, desc := range im.Manifests {
		if err := ctx.Err(); err != nil {
			return err
		}
		switch {
		case desc.MediaType.IsImage():
			img, err := idx.Image(desc.Digest)
			if err != nil {
				return err
			}
			if err := r.putImageContent(ctx, img); err != nil {
				return err
			}
			if err := r.putManifestOf(repo, desc.Digest.String(), img); err != nil {
				return err
			}
		case desc.MediaType.IsIndex():
			child, err := idx.ImageIndex(desc.Digest)
			if err != nil {
				return err
			}
			if err := r.putIndexChildren(ctx, repo, child); err != nil {
				return err
			}
			if err := r.putManifestOf(repo, desc.Digest.String(), child); err != nil {
				return err
			}
		}
	}
	return nil
}

// putImageContent stores the config and the distributable layers of img.
func (r *Registry) putImageContent(ctx context.Context, img v1.Image) error {
	layers, err := img.Layers()
	if err != nil {
		return fmt.Errorf("list layers: %w", err)
	}
	for _, l := range layers {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := r.putLayer(l); err != nil {
			return err
		}
	}
	cfgName, err := img.ConfigName()
	if err != nil {
		return fmt.Errorf("config digest: %w", err)
	}
	cfg, err := img.RawConfigFile()
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	return r.store.putBlob(cfgName, bytes.NewReader(cfg))
}

func (r *Registry) putLayer(l v1.Layer) error {
	mt, err := l.MediaType()
	if err != nil {
		return fmt.Errorf("layer media type: %w", err)
	}
	if !mt.IsDistributable() {
		return nil // foreign layers are fetched from their URLs, never stored
	}
	d, err := l.Digest()
	if err != nil {
		return fmt.Errorf("layer digest: %w", err)
	}
	if _, ok := r.store.hasBlob(d); ok {
		return nil
	}
	rc, err := l.Compressed()
	if err != nil {
		return fmt.Errorf("read layer %s: %w", d, err)
	}
	defer rc.Close()
	return r.store.putBlob(d, rc)
}

// manifestSource is what images and indexes have in common.
type manifestSource interface {
	RawManifest() ([]byte, error)
	MediaType() (types.MediaType, error)
}

func (r *Registry) putManifestOf(repo, ref string, m manifestSource) error {
	body, err := m.RawManifest()
	if err != nil {
		return fmt.Errorf("read manifest: %w", err)
	}
	mt, err := m.MediaType()
	if err != nil {
		return fmt.Errorf("manifest media type: %w", err)
	}
	_, err = r.store.putManifest(repo, ref, string(mt), body)
	return err
}
