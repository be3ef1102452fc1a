package registry

import (
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
)

// ParseReference normalises an image reference the way a container runtime
// does: "busybox" is docker.io/library/busybox:latest.
func ParseReference(s string) (name.Reference, error) {
	ref, err := name.ParseReference(s)
	if err != nil {
		return nil, fmt.Errorf("parse image reference %q: %w", s, err)
	}
	return ref, nil
}

// repository is where ref is stored: its path without the registry host,
// which is how a mirror is addressed (library/busybox).
func repository(ref name.Reference) string {
	return ref.Context().RepositoryStr()
}

// DisplayName prints ref fully qualified, with docker.io rather than
// go-containerregistry's index.docker.io: docker.io/library/busybox:latest.
func DisplayName(ref name.Reference) string {
	host := ref.Context().RegistryStr()
	if host == name.DefaultRegistry {
		host = "docker.io"
	}
	sep := ":"
	if _, ok := ref.(name.Digest); ok {
		sep = "@"
	}
	return host + "/" + repository(ref) + sep + ref.Identifier()
}
