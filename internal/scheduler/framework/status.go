package framework

import "strings"

// Code is the outcome of running a plugin.
type Code int

const (
	// Success means the plugin accepted the pod (or the node).
	Success Code = iota
	// Error is an internal failure; the pod is retried with backoff.
	Error
	// Unschedulable means the node does not fit now, but evicting pods
	// (preemption) might make it fit.
	Unschedulable
	// UnschedulableAndUnresolvable means the node does not fit and
	// preemption cannot change that.
	UnschedulableAndUnresolvable
	// Skip tells the framework that the plugin has nothing to do for this
	// pod in the later extension points of the same kind.
	Skip
)

// Status is a plugin's verdict with the human reasons Kubernetes prints in
// FailedScheduling events.
type Status struct {
	code    Code
	reasons []string
	plugin  string
	err     error
}

// NewStatus builds a status; a nil *Status also means Success.
func NewStatus(code Code, reasons ...string) *Status {
	return &Status{code: code, reasons: reasons}
}

// AsStatus wraps an internal error.
func AsStatus(err error) *Status {
	if err == nil {
		return nil
	}
	return &Status{code: Error, reasons: []string{err.Error()}, err: err}
}

// Code returns the status code; nil is Success.
func (s *Status) Code() Code {
	if s == nil {
		return Success
	}
	return s.code
}

// IsSuccess reports whether the status accepts the pod.
func (s *Status) IsSuccess() bool { return s.Code() == Success }

// IsSkip reports a Skip status.
func (s *Status) IsSkip() bool { return s.Code() == Skip }

// IsRejected reports an Unschedulable or UnschedulableAndUnresolvable status.
func (s *Status) IsRejected() bool {
	c := s.Code()
	return c == Unschedulable || c == UnschedulableAndUnresolvable
}

// Reasons are the human-readable reasons.
func (s *Status) Reasons() []string {
	if s == nil {
		return nil
	}
	return s.reasons
}

// Message joins the reasons.
func (s *Status) Message() string {
	if s == nil {
		return ""
	}
	return strings.Join(s.reasons, ", ")
}

// Plugin is the name of the plugin that produced the status.
func (s *Status) Plugin() string {
	if s == nil {
		return ""
	}
	return s.plugin
}

// WithPlugin records which plugin produced the status.
func (s *Status) WithPlugin(name string) *Status {
	if s != nil {
		s.plugin = name
	}
	return s
}

// Err returns the wrapped internal error, if any.
func (s *Status) Err() error {
	if s == nil {
		return nil
	}
	return s.err
}
