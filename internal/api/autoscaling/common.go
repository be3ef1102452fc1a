package autoscaling

import "k8s.io/apimachinery/pkg/api/resource"

func ptr[T any](v T) *T { return &v }

func quantityString(q *resource.Quantity) string {
	if q == nil {
		return "<unset>"
	}
	return q.String()
}
