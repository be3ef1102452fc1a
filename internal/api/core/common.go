package core

import (
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const coreVersion = "v1"

var metaPath = field.NewPath("metadata")

// nameColumn is the first column of almost every table.
var nameColumn = metav1.TableColumnDefinition{Name: "Name", Type: "string", Format: "name",
	Description: "Name must be unique within a namespace."}

var ageColumn = metav1.TableColumnDefinition{Name: "Age", Type: "string",
	Description: "CreationTimestamp is a timestamp representing the server time when this object was created."}

// since renders how long ago t was, as kubectl does; a zero time is <unknown>.
func since(t metav1.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(time.Since(t.Time))
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

// validateMeta checks metadata of a new object.
func validateMeta(obj metav1.Object, namespaced bool, nameFn apivalidation.ValidateNameFunc) field.ErrorList {
	return apivalidation.ValidateObjectMetaAccessor(obj, namespaced, nameFn, metaPath)
}

// validateMetaUpdate checks metadata changes of an update.
func validateMetaUpdate(obj, old metav1.Object) field.ErrorList {
	return apivalidation.ValidateObjectMetaAccessorUpdate(obj, old, metaPath)
}

// immutable refuses a change with Kubernetes' "field is immutable".
func immutable(newVal, oldVal any, p *field.Path) field.ErrorList {
	return apivalidation.ValidateImmutableField(newVal, oldVal, p)
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

// sortedKeys returns a map's keys in order, for stable output.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func ptr[T any](v T) *T { return &v }
