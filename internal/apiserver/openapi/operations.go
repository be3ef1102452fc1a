package openapi

import (
	"reflect"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// operation is a format-neutral REST operation; v2.go and v3.go render it.
type operation struct {
	method    string // get, put, post, patch, delete
	id        string
	action    string // x-kubernetes-action
	desc      string
	gvk       schema.GroupVersionKind
	params    []param
	body      string   // definition name of the request body, "" for none
	bodyTypes []string // media types of the body
	responses []response
	produces  []string
}

type response struct {
	code   string
	desc   string
	schema string // definition name; "" with text for a plain-text body
	text   bool
}

// pathItem is one URL template with the parameters all its operations share.
type pathItem struct {
	path   string
	params []param
	ops    []operation
}

// Media types, as kube-apiserver declares them.
var (
	objectMedia = []string{"application/json", "application/yaml", "application/vnd.kubernetes.protobuf"}
	listMedia   = append(append([]string(nil), objectMedia...),
		"application/json;stream=watch", "application/vnd.kubernetes.protobuf;stream=watch")
	patchMedia = []string{"application/json-patch+json", "application/merge-patch+json",
		"application/strategic-merge-patch+json", "application/apply-patch+yaml"}
	textMedia = []string{"text/plain"}
	anyMedia  = []string{"*/*"}
)

// Definitions that every group-version document refers to.
const (
	statusDef        = "io.k8s.apimachinery.pkg.apis.meta.v1.Status"
	deleteOptionsDef = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"
	patchDef         = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch"
	resourceListDef  = "io.k8s.apimachinery.pkg.apis.meta.v1.APIResourceList"
)

func defName(obj any) string { return definitionName(deref(reflect.TypeOf(obj))) }

// gvPath is the URL path of a group version without the leading slash:
// "api/v1" for the core group, "apis/<group>/<version>" otherwise.
func gvPath(gv schema.GroupVersion) string {
	if gv.Group == "" {
		return "api/" + gv.Version
	}
	return "apis/" + gv.Group + "/" + gv.Version
}

// opPrefix names a group version in operation ids as Kubernetes does:
// core/v1 -> CoreV1, rbac.authorization.k8s.io/v1 -> RbacAuthorizationV1.
func opPrefix(gv schema.GroupVersion) string {
	return groupCamel(gv) + upperFirst(gv.Version)
}

// tag is the operation tag Kubernetes uses: "apps_v1", "rbacAuthorization_v1".
func tag(gv schema.GroupVersion) string {
	g := groupCamel(gv)
	return strings.ToLower(g[:1]) + g[1:] + "_" + gv.Version
}

func groupCamel(gv schema.GroupVersion) string {
	group := strings.TrimSuffix(gv.Group, ".k8s.io")
	if group == "" {
		group = "core"
	}
	var b strings.Builder
	for _, part := range strings.FieldsFunc(group, func(r rune) bool { return r == '.' || r == '-' }) {
		b.WriteString(upperFirst(part))
	}
	return b.String()
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func respOK(schemaName string) response { return response{code: "200", desc: "OK", schema: schemaName} }
func respCreated(schemaName string) response {
	return response{code: "201", desc: "Created", schema: schemaName}
}
func respAccepted(schemaName string) response {
	return response{code: "202", desc: "Accepted", schema: schemaName}
}

var unauthorized = response{code: "401", desc: "Unauthorized"}
