package batch

import (
	"reflect"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"rudder/internal/api"
)

func TestRegister(t *testing.T) {
	r := api.NewRegistry()
	Register(r)
	want := map[string]struct {
		obj, list runtime.Object
		short     []string
	}{
		"jobs":     {&batchv1.Job{}, &batchv1.JobList{}, nil},
		"cronjobs": {&batchv1.CronJob{}, &batchv1.CronJobList{}, []string{"cj"}},
	}
	if len(r.Kinds()) != len(want) {
		t.Fatalf("registered %d kinds", len(r.Kinds()))
	}
	for _, k := range r.Kinds() {
		w, ok := want[k.Resource]
		if !ok {
			t.Fatalf("unexpected %s", k.Resource)
		}
		if k.GVK.Group != "batch" || k.GVK.Version != "v1" || !k.Namespaced ||
			!reflect.DeepEqual(k.Categories, []string{"all"}) || !reflect.DeepEqual(k.ShortNames, w.short) ||
			!reflect.DeepEqual(k.Subresources, []string{"status"}) {
			t.Errorf("%s: %+v", k.Resource, k)
		}
		if reflect.TypeOf(k.New()) != reflect.TypeOf(w.obj) || reflect.TypeOf(k.NewList()) != reflect.TypeOf(w.list) {
			t.Errorf("%s: New %T NewList %T", k.Resource, k.New(), k.NewList())
		}
		obj := k.New()
		k.Default(obj)
		if k.PrepareForCreate != nil {
			k.PrepareForCreate(obj)
		}
		if len(k.Validate(obj)) == 0 {
			t.Errorf("%s: empty object validated", k.Resource)
		}
		if len(k.Row(obj)) != len(k.Columns) {
			t.Errorf("%s: row/columns mismatch", k.Resource)
		}
	}
}
