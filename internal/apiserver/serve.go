package apiserver

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"runtime"
	"runtime/debug"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"rudder/internal/apiserver/auth"
)

type ctxKey int

const infoKey ctxKey = iota

func withInfo(ctx context.Context, info requestInfo) context.Context {
	return context.WithValue(ctx, infoKey, info)
}

// serveAPI dispatches /api/... and /apis/... requests.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	info, _ := r.Context().Value(infoKey).(requestInfo)
	if !info.IsResource {
		s.discovery.serveGroupOrVersion(w, r, info)
		return
	}
	gvr := schema.GroupVersionResource{Group: info.Group, Version: info.Version, Resource: info.Resource}
	res, ok := s.kinds[gvr]
	if !ok {
		s.writeError(w, r, errNotFoundResource(r.URL.Path))
		return
	}
	if info.Namespace != "" && !res.kind.Namespaced && info.Resource != "namespaces" {
		s.writeError(w, r, errNotFoundResource(r.URL.Path))
		return
	}
	s.metrics.observe(info, w, r, func(w http.ResponseWriter) { s.serveResource(w, r, res, info) })
}

func (s *Server) serveResource(w http.ResponseWriter, r *http.Request, res *resource, info requestInfo) {
	if info.Subresource != "" {
		s.serveSubresource(w, r, res, info)
		return
	}
	switch info.Verb {
	case "get":
		s.handleGet(w, r, res, info)
	case "list":
		s.handleList(w, r, res, info)
	case "watch":
		s.handleWatch(w, r, res, info)
	case "create":
		s.handleCreate(w, r, res, info)
	case "update":
		s.handleUpdate(w, r, res, info, "")
	case "patch":
		s.handlePatch(w, r, res, info, "")
	case "delete":
		s.handleDelete(w, r, res, info)
	case "deletecollection":
		s.handleDeleteCollection(w, r, res, info)
	default:
		s.writeError(w, r, errMethodNotSupported(res.gr, info.Verb))
	}
}

func (s *Server) serveSubresource(w http.ResponseWriter, r *http.Request, res *resource, info requestInfo) {
	if !res.kind.HasSubresource(info.Subresource) || info.Name == "" {
		s.writeError(w, r, errNotFoundResource(r.URL.Path))
		return
	}
	key := res.kind.Resource + "/" + info.Subresource
	if h, ok := s.cfg.Subresources[key]; ok {
		h(w, r, info.Namespace, info.Name, info.Rest)
		return
	}
	switch info.Subresource {
	case "status":
		switch info.Verb {
		case "get":
			s.handleGet(w, r, res, info)
		case "update":
			s.handleUpdate(w, r, res, info, "status")
		case "patch":
			s.handlePatch(w, r, res, info, "status")
		default:
			s.writeError(w, r, errMethodNotSupported(res.gr, info.Verb))
		}
	case "scale":
		s.serveScale(w, r, res, info)
	case "binding":
		s.serveBinding(w, r, res, info)
	case "eviction":
		s.serveEviction(w, r, res, info)
	case "finalize":
		if info.Verb != "update" {
			s.writeError(w, r, errMethodNotSupported(res.gr, info.Verb))
			return
		}
		s.handleUpdate(w, r, res, info, "finalize")
	default:
		s.writeError(w, r, apierrors.NewServiceUnavailable("subresource "+info.Subresource+" is not available yet"))
	}
}

// withAuthorization parses the request info and asks the authorizer.
func (s *Server) withAuthorization(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := parseRequestInfo(r)
		r = r.WithContext(withInfo(r.Context(), info))
		if s.cfg.Authorizer != nil && !s.isPublic(r) {
			u, _ := auth.UserFrom(r.Context())
			attrs := auth.Attributes{
				User: u, Verb: info.Verb, Namespace: info.Namespace, APIGroup: info.Group,
				APIVersion: info.Version, Resource: info.Resource, Subresource: info.Subresource,
				Name: info.Name, Path: r.URL.Path, ResourceRequest: info.IsResource,
			}
			if !info.IsResource {
				attrs.Verb = strings.ToLower(r.Method)
			}
			ok, reason, err := s.cfg.Authorizer.Authorize(r.Context(), attrs)
			if err != nil || !ok {
				s.writeError(w, r, forbidden(attrs, reason))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func forbidden(a auth.Attributes, reason string) error {
	gr := schema.GroupResource{Group: a.APIGroup, Resource: a.Resource}
	msg := reason
	if a.Subresource != "" {
		gr.Resource += "/" + a.Subresource
	}
	err := apierrors.NewForbidden(gr, a.Name, errString(msg))
	if a.ResourceRequest {
		err.ErrStatus.Message = "User \"" + a.User.Name + "\" cannot " + a.Verb + " resource \"" + gr.Resource + "\" in API group \"" + a.APIGroup + "\""
		if a.Namespace != "" {
			err.ErrStatus.Message += " in the namespace \"" + a.Namespace + "\""
		} else {
			err.ErrStatus.Message += " at the cluster scope"
		}
		if reason != "" {
			err.ErrStatus.Message += ": " + reason
		}
	}
	return err
}

type errString string

func (e errString) Error() string { return string(e) }

func withPanicRecovery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				slog.Error("panic serving request", "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
				st := apierrors.NewInternalError(errString("internal error")).ErrStatus
				writeJSON(w, http.StatusInternalServerError, st)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func goVersion() string { return runtime.Version() }
func platform() string  { return runtime.GOOS + "/" + runtime.GOARCH }

var _ = metav1.Status{}
