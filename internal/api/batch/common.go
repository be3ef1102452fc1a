package batch

import (
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var nameColumn = metav1.TableColumnDefinition{Name: "Name", Type: "string", Format: "name",
	Description: "Name must be unique within a namespace."}

var ageColumn = metav1.TableColumnDefinition{Name: "Age", Type: "string",
	Description: "CreationTimestamp is a timestamp representing the server time when this object was created."}

var wideColumns = []metav1.TableColumnDefinition{
	{Name: "Containers", Type: "string", Priority: 1, Description: "Names of each container in the template."},
	{Name: "Images", Type: "string", Priority: 1, Description: "Images referenced by each container in the template."},
	{Name: "Selector", Type: "string", Priority: 1, Description: "A label query over pods that should match the pod count."},
}

// since renders the time elapsed since t the way kubectl does.
func since(t metav1.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(time.Since(t.Time))
}

// containerCells joins container names and images for the wide columns.
func containerCells(cs []corev1.Container) (names, images string) {
	n := make([]string, 0, len(cs))
	im := make([]string, 0, len(cs))
	for _, c := range cs {
		n = append(n, c.Name)
		im = append(im, c.Image)
	}
	return strings.Join(n, ","), strings.Join(im, ",")
}

func ptr[T any](v T) *T { return &v }

func nonNegative32(p *int32, path *field.Path) field.ErrorList {
	if p == nil {
		return nil
	}
	return apivalidation.ValidateNonnegativeField(int64(*p), path)
}

func nonNegative64(p *int64, path *field.Path) field.ErrorList {
	if p == nil {
		return nil
	}
	return apivalidation.ValidateNonnegativeField(*p, path)
}

func immutable(newVal, oldVal any, path *field.Path) field.ErrorList {
	return apivalidation.ValidateImmutableField(newVal, oldVal, path)
}
