package fake

import (
	"strconv"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// ExecExitCodeAnnotation (a pod annotation, copied by the kubelet into the
// sandbox config) is the exit code of every ExecSync in the pod's
// containers: exec probes and hooks fail with a non-zero value.
// "<annotation>.<container name>" sets it for one container only.
const ExecExitCodeAnnotation = "rudder.dev/fake-exec-exit-code"

// execExitCode is the exit code ExecSync reports for c. Callers hold mu.
func (r *Runtime) execExitCode(c *container) (int32, error) {
	s := r.sandboxes[c.sandboxID]
	if s == nil {
		return 0, nil
	}
	raw, ok := s.config.Annotations[ExecExitCodeAnnotation+"."+c.config.GetMetadata().GetName()]
	if !ok {
		raw, ok = s.config.Annotations[ExecExitCodeAnnotation]
	}
	if !ok {
		return 0, nil
	}
	code, err := strconv.ParseInt(raw, 10, 32)
	if err != nil {
		return 0, status.Errorf(codes.InvalidArgument, "annotation %s=%q is not an exit code", ExecExitCodeAnnotation, raw)
	}
	return int32(code), nil
}
