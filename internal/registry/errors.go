package registry

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
)

// apiError is one OCI Distribution error; it is written as
// {"errors":[{"code":..., "message":..., "detail":...}]}.
type apiError struct {
	status  int
	Code    string `json:"code"`
	Message string `json:"message"`
	Detail  any    `json:"detail,omitempty"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func newError(status int, code, msg string) *apiError {
	return &apiError{status: status, Code: code, Message: msg}
}

func writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = classify(err)
	}
	if ae.status >= 500 {
		slog.Error("registry request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(ae.status)
	if r.Method == http.MethodHead {
		return
	}
	_ = json.NewEncoder(w).Encode(struct {
		Errors []*apiError `json:"errors"`
	}{Errors: []*apiError{ae}})
}

// classify maps the store's errors to their Distribution codes.
func classify(err error) *apiError {
	var mismatch *digestMismatchError
	var missing *missingError
	var invalid *invalidManifestError
	switch {
	case errors.As(err, &mismatch):
		return newError(http.StatusBadRequest, "DIGEST_INVALID", mismatch.Error())
	case errors.As(err, &missing):
		return &apiError{status: http.StatusBadRequest, Code: missing.code,
			Message: "manifest references unknown content", Detail: map[string]string{"digest": missing.what.String()}}
	case errors.As(err, &invalid):
		return newError(http.StatusBadRequest, "MANIFEST_INVALID", invalid.Error())
	case errors.Is(err, errManifestUnknown):
		return newError(http.StatusNotFound, "MANIFEST_UNKNOWN", "manifest unknown")
	default:
		return newError(http.StatusInternalServerError, "UNKNOWN", err.Error())
	}
}
