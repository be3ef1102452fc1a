package apps

import (
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"rudder/internal/api"
)

func TestRegister(t *testing.T) {
	r := api.NewRegistry()
	Register(r)
	want := map[string]struct {
		obj, list  runtime.Object
		short      []string
		subs       []string
		categories []string
	}{
		"deployments":         {&appsv1.Deployment{}, &appsv1.DeploymentList{}, []string{"deploy"}, []string{"status", "scale"}, []string{"all"}},
		"replicasets":         {&appsv1.ReplicaSet{}, &appsv1.ReplicaSetList{}, []string{"rs"}, []string{"status", "scale"}, []string{"all"}},
		"statefulsets":        {&appsv1.StatefulSet{}, &appsv1.StatefulSetList{}, []string{"sts"}, []string{"status", "scale"}, []string{"all"}},
		"daemonsets":          {&appsv1.DaemonSet{}, &appsv1.DaemonSetList{}, []string{"ds"}, []string{"status"}, []string{"all"}},
		"controllerrevisions": {&appsv1.ControllerRevision{}, &appsv1.ControllerRevisionList{}, nil, nil, nil},
	}
	if got := len(r.Kinds()); got != len(want) {
		t.Fatalf("registered %d kinds, want %d", got, len(want))
	}
	for _, k := range r.Kinds() {
		w, ok := want[k.Resource]
		if !ok {
			t.Errorf("unexpected resource %s", k.Resource)
			continue
		}
		if k.GVK.Group != "apps" || k.GVK.Version != "v1" || !k.Namespaced {
			t.Errorf("%s: gvk %v namespaced %v", k.Resource, k.GVK, k.Namespaced)
		}
		if reflect.TypeOf(k.New()) != reflect.TypeOf(w.obj) || reflect.TypeOf(k.NewList()) != reflect.TypeOf(w.list) {
			t.Errorf("%s: New %T NewList %T", k.Resource, k.New(), k.NewList())
		}
		if !reflect.DeepEqual(k.ShortNames, w.short) || !reflect.DeepEqual(k.Subresources, w.subs) ||
			!reflect.DeepEqual(k.Categories, w.categories) {
			t.Errorf("%s: short %v subresources %v categories %v", k.Resource, k.ShortNames, k.Subresources, k.Categories)
		}
		// Every kind's hooks work on an empty object without panicking.
		obj := k.New()
		if k.Default != nil {
			k.Default(obj)
		}
		if len(k.Validate(obj)) == 0 {
			t.Errorf("%s: an empty object validated", k.Resource)
		}
		if got := len(k.Row(obj)); got != len(k.Columns) {
			t.Errorf("%s: empty row has %d cells, want %d", k.Resource, got, len(k.Columns))
		}
	}
}
