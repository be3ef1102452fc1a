package apiserver

import (
	"net/http"
	"strings"
)

// requestInfo is what a URL path and method say about a request, in the
// terms authorization and the REST handlers use.
type requestInfo struct {
	IsResource  bool
	Verb        string // get list watch create update patch delete deletecollection
	APIPrefix   string // "api" or "apis"
	Group       string
	Version     string
	Namespace   string
	Resource    string
	Subresource string
	Name        string
	Path        string
	// Parts left after the subresource (pods/x/proxy/<path>).
	Rest []string
}

// parseRequestInfo splits /api/v1/namespaces/ns/pods/name/sub and
// /apis/group/version/... paths. Non-resource paths get IsResource false.
func parseRequestInfo(r *http.Request) requestInfo {
	info := requestInfo{Path: r.URL.Path, Verb: strings.ToLower(r.Method)}
	parts := splitPath(r.URL.Path)
	if len(parts) < 2 || (parts[0] != "api" && parts[0] != "apis") {
		return info
	}
	info.APIPrefix = parts[0]
	parts = parts[1:]
	if info.APIPrefix == "apis" {
		if len(parts) < 2 {
			return info
		}
		info.Group, parts = parts[0], parts[1:]
	}
	info.Version, parts = parts[0], parts[1:]
	if len(parts) == 0 {
		return info
	}
	info.IsResource = true
	if parts[0] == "namespaces" {
		if len(parts) > 1 {
			info.Namespace = parts[1]
			// /namespaces/{name} and /namespaces/{name}/{sub} address the
			// namespace itself; longer paths address objects inside it.
			if len(parts) > 2 && !isNamespaceSubresource(parts[2]) {
				parts = parts[2:]
			}
		}
	}
	if parts[0] == "namespaces" {
		info.Resource = "namespaces"
		if len(parts) > 1 {
			info.Name = parts[1]
			info.Namespace = ""
		}
		if len(parts) > 2 {
			info.Subresource = parts[2]
			info.Rest = parts[3:]
		}
	} else {
		info.Resource = parts[0]
		if len(parts) > 1 {
			info.Name = parts[1]
		}
		if len(parts) > 2 {
			info.Subresource = parts[2]
			info.Rest = parts[3:]
		}
	}
	info.Verb = verbFor(r, info.Name != "")
	return info
}

func isNamespaceSubresource(s string) bool {
	return s == "status" || s == "finalize"
}

func verbFor(r *http.Request, named bool) string {
	switch r.Method {
	case http.MethodPost:
		return "create"
	case http.MethodPut:
		return "update"
	case http.MethodPatch:
		return "patch"
	case http.MethodDelete:
		if named {
			return "delete"
		}
		return "deletecollection"
	case http.MethodGet, http.MethodHead:
		if isWatch(r) {
			return "watch"
		}
		if named {
			return "get"
		}
		return "list"
	}
	return strings.ToLower(r.Method)
}

func isWatch(r *http.Request) bool {
	w := r.URL.Query().Get("watch")
	return w == "true" || w == "1"
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}
