package openapi

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Resource describes one served REST resource. The OpenAPI documents are
// derived from it and from its Go types alone.
type Resource struct {
	GVK        schema.GroupVersionKind
	ListGVK    schema.GroupVersionKind
	Resource   string // plural, e.g. "deployments"
	Namespaced bool
	Object     runtime.Object // zero value of the type, e.g. &appsv1.Deployment{}
	// List is e.g. &appsv1.DeploymentList{}. A nil List marks a create-only
	// resource (tokenreviews, subjectaccessreviews): only POST is described.
	List         runtime.Object
	Subresources []Subresource
}

// Subresource describes a subresource of a Resource, e.g. "scale" with
// autoscaling/v1 Scale or "status" with the parent type. Object may be nil
// for subresources that are not objects (log, exec, attach, portforward,
// proxy).
type Subresource struct {
	Name   string
	GVK    schema.GroupVersionKind
	Object runtime.Object
}

// groupDoc is one cached OpenAPI v3 group-version document.
type groupDoc struct {
	body []byte
	etag string // upper-case hex SHA-512 of body, unquoted
}

// Spec holds the generated documents, serialised once by Build.
type Spec struct {
	v3Root []byte
	groups map[string]groupDoc // key: "api/v1", "apis/apps/v1"
	v2     []byte
	v2ETag string
	v2pb   v2Proto // built on first request
}

// V3Root returns the body of GET /openapi/v3.
func (s *Spec) V3Root() []byte { return s.v3Root }

// V3Group returns the document of one group version, path like "api/v1" or
// "apis/apps/v1", and its ETag (the hash used in V3Root's URLs).
func (s *Spec) V3Group(path string) (body []byte, etag string, ok bool) {
	d, ok := s.groups[path]
	return d.body, d.etag, ok
}

// V2 returns the body of GET /openapi/v2 (JSON).
func (s *Spec) V2() []byte { return s.v2 }
