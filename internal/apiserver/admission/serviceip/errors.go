package serviceip

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var serviceKind = schema.GroupKind{Kind: "Service"}

// invalid is the 422 Kubernetes answers for a requested IP or port it
// cannot give.
func invalid(svc *corev1.Service, errs ...*field.Error) error {
	return apierrors.NewInvalid(serviceKind, svc.Name, errs)
}

// allocError is what a failed dynamic allocation answers: Kubernetes
// reports a full range (and a store failure) as an internal error, since
// nothing in the request is wrong.
func allocError(what string, err error) error {
	return apierrors.NewInternalError(fmt.Errorf("%s: %w", what, err))
}

var serviceResource = schema.GroupResource{Resource: "services"}
