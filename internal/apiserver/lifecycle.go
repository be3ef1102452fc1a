package apiserver

import (
	"crypto/rand"
	"reflect"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/uuid"
)

// field returns a struct field of a pointer-to-struct object, or an
// invalid Value. Spec and Status are found by name on every kind, so one
// generic function serves all of them.
func structField(obj runtime.Object, name string) reflect.Value {
	return reflect.ValueOf(obj).Elem().FieldByName(name)
}

func resetStatus(obj runtime.Object) {
	if f := structField(obj, "Status"); f.IsValid() && f.CanSet() {
		f.Set(reflect.Zero(f.Type()))
	}
}

// copyField sets dst.name = src.name.
func copyField(dst, src runtime.Object, name string) {
	d, s := structField(dst, name), structField(src, name)
	if d.IsValid() && s.IsValid() && d.CanSet() {
		d.Set(s)
	}
}

func specChanged(a, b runtime.Object) bool {
	fa, fb := structField(a, "Spec"), structField(b, "Spec")
	if !fa.IsValid() || !fb.IsValid() {
		return false
	}
	return !equality.Semantic.DeepEqual(fa.Interface(), fb.Interface())
}

// prepareCreate sets what the server owns on a new object.
func prepareCreate(res *resource, obj runtime.Object) {
	m := metaOf(obj)
	m.SetUID(types.UID(uuid.NewUUID()))
	m.SetCreationTimestamp(metav1.Now())
	m.SetResourceVersion("")
	m.SetDeletionTimestamp(nil)
	m.SetDeletionGracePeriodSeconds(nil)
	m.SetGeneration(0)
	if res.hasSpec {
		m.SetGeneration(1)
	}
	if res.kind.HasSubresource("status") && !res.kind.KeepStatusOnCreate {
		resetStatus(obj)
	}
}

// keepServerMetadata carries the fields clients may not change from the
// current object to an update.
func keepServerMetadata(obj, cur runtime.Object) {
	m, c := metaOf(obj), metaOf(cur)
	m.SetName(c.GetName())
	m.SetNamespace(c.GetNamespace())
	m.SetUID(c.GetUID())
	m.SetCreationTimestamp(c.GetCreationTimestamp())
	m.SetDeletionTimestamp(c.GetDeletionTimestamp())
	m.SetDeletionGracePeriodSeconds(c.GetDeletionGracePeriodSeconds())
	m.SetGeneration(c.GetGeneration())
	m.SetResourceVersion(c.GetResourceVersion())
	if m.GetGenerateName() == "" {
		m.SetGenerateName(c.GetGenerateName())
	}
}

const nameChars = "bcdfghjklmnpqrstvwxz2456789"

// generateName appends 5 random characters, as Kubernetes' generator does.
func generateName(base string) string {
	const maxGenerated = 63 - 5
	if len(base) > maxGenerated {
		base = base[:maxGenerated]
	}
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = nameChars[int(b[i])%len(nameChars)]
	}
	return base + string(b)
}
