package apiserver

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// maxBodyBytes is kube-apiserver's request body limit (3 MiB).
const maxBodyBytes = 3 << 20

// maxObjectBytes is etcd's default request limit (1.5 MiB); larger objects
// are refused before they reach storage.
const maxObjectBytes = 3 << 19

func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return nil, errBadRequest("reading request body: %v", err)
	}
	if len(body) > maxBodyBytes {
		return nil, apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("limit is %d", maxBodyBytes))
	}
	return body, nil
}

// fieldValidation returns the effective directive; Kubernetes defaults to
// Warn when the client says nothing.
func fieldValidation(v string) (string, error) {
	switch v {
	case "", "Warn":
		return "Warn", nil
	case "Strict", "Ignore":
		return v, nil
	}
	return "", errBadRequest("fieldValidation parameter unsupported: %s, must be one of Ignore, Warn, Strict", v)
}

// decodeObject decodes body into a new object of res's kind, honouring the
// fieldValidation directive: unknown or duplicate fields are an error
// under Strict and a warning header under Warn.
func (s *Server) decodeObject(w http.ResponseWriter, r *http.Request, res *resource, body []byte, validation string) (runtime.Object, error) {
	info, ok := bodyFormat(s.codecs, r)
	if !ok {
		return nil, errUnsupportedMediaType(r.Header.Get("Content-Type"))
	}
	return s.decodeWith(w, info, res, body, validation)
}

func (s *Server) decodeWith(w http.ResponseWriter, info runtime.SerializerInfo, res *resource, body []byte, validation string) (runtime.Object, error) {
	mode, err := fieldValidation(validation)
	if err != nil {
		return nil, err
	}
	dec := info.Serializer
	if mode != "Ignore" && info.StrictSerializer != nil {
		dec = info.StrictSerializer
	}
	want := res.kind.GVK
	obj, gvk, err := dec.Decode(body, &want, res.kind.New())
	if err != nil && runtime.IsStrictDecodingError(err) {
		if mode == "Strict" {
			return nil, errBadRequest("%s", strictMessage(err))
		}
		for _, msg := range strictErrors(err) {
			w.Header().Add("Warning", fmt.Sprintf("299 - %q", msg))
		}
		err = nil
	}
	if err != nil {
		return nil, errBadRequest("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf: %v", err)
	}
	if gvk != nil && (gvk.Kind != want.Kind || gvk.GroupVersion() != want.GroupVersion()) {
		return nil, errBadRequest("the API version in the data (%s) does not match the expected API version (%s)", gvk.GroupVersion(), want.GroupVersion())
	}
	obj.GetObjectKind().SetGroupVersionKind(want)
	return obj, nil
}

func strictErrors(err error) []string {
	if se, ok := runtime.AsStrictDecodingError(err); ok {
		out := make([]string, 0, len(se.Errors()))
		for _, e := range se.Errors() {
			out = append(out, e.Error())
		}
		return out
	}
	return []string{err.Error()}
}

func strictMessage(err error) string {
	return "strict decoding error: " + strings.Join(strictErrors(err), ", ")
}

var _ = metav1.Status{}
