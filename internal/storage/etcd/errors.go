package etcd

import (
	"context"
	"errors"
	"fmt"
	"path"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// nameOf is the object name used in error messages: the key's last segment.
func nameOf(key string) string { return path.Base(key) }

// mapEtcdError turns an error from the etcd client into an API error, so
// callers can hand it to clients as it is.
func mapEtcdError(gr schema.GroupResource, key string, err error) error {
	if err == nil {
		return nil
	}
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return err
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, rpctypes.ErrTimeout),
		errors.Is(err, rpctypes.ErrGRPCTimeout), errors.Is(err, rpctypes.ErrTimeoutDueToLeaderFail),
		errors.Is(err, rpctypes.ErrTimeoutDueToConnectionLost):
		return apierrors.NewTimeoutError(fmt.Sprintf("storage request for %s %q timed out: %v", gr, nameOf(key), err), 1)
	case errors.Is(err, rpctypes.ErrRequestTooLarge), errors.Is(err, rpctypes.ErrGRPCRequestTooLarge):
		return apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("object %s %q is too large for storage: %v", gr, nameOf(key), err))
	case errors.Is(err, rpctypes.ErrCompacted), errors.Is(err, rpctypes.ErrGRPCCompacted):
		return apierrors.NewResourceExpired(fmt.Sprintf("too old resource version: %v", err))
	}
	return apierrors.NewInternalError(fmt.Errorf("storage request for %s %q: %w", gr, nameOf(key), err))
}

// isCompacted reports whether err says the requested revision is gone.
func isCompacted(err error) bool {
	return errors.Is(err, rpctypes.ErrCompacted) || errors.Is(err, rpctypes.ErrGRPCCompacted)
}

// isFutureRev reports whether err says the requested revision is not yet written.
func isFutureRev(err error) bool {
	return errors.Is(err, rpctypes.ErrFutureRev) || errors.Is(err, rpctypes.ErrGRPCFutureRev)
}

// TooLargeResourceVersion is the error for a read that asks for a state
// newer than storage has: a 504 Timeout carrying the
// ResourceVersionTooLarge cause, which client-go recognises and retries.
func TooLargeResourceVersion(requested, current int64) error {
	err := apierrors.NewTimeoutError(fmt.Sprintf("Too large resource version: %d, current: %d", requested, current), 1)
	err.ErrStatus.Details.Causes = []metav1.StatusCause{{
		Type:    metav1.CauseTypeResourceVersionTooLarge,
		Message: "Too large resource version",
	}}
	return err
}

// TooOldResourceVersion is the 410 Gone answer to a watch or read whose
// starting revision was compacted (oldest may be 0 when unknown).
func TooOldResourceVersion(requested, oldest int64) error {
	if oldest > 0 {
		return apierrors.NewResourceExpired(fmt.Sprintf("too old resource version: %d (%d)", requested, oldest))
	}
	return apierrors.NewResourceExpired(fmt.Sprintf("too old resource version: %d", requested))
}
