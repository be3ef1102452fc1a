package autoscaling

import (
	"reflect"
	"testing"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
)

type wantErr struct {
	typ  field.ErrorType
	path string
}

func checkErrors(t *testing.T, errs field.ErrorList, want ...wantErr) {
	t.Helper()
	if len(want) == 0 && len(errs) != 0 {
		t.Fatalf("want no errors, got %v", errs)
	}
	for _, w := range want {
		found := false
		for _, e := range errs {
			found = found || (e.Type == w.typ && e.Field == w.path)
		}
		if !found {
			t.Errorf("want %s at %s, got %v", w.typ, w.path, errs)
		}
	}
}

func validHPA() *autoscalingv2.HorizontalPodAutoscaler {
	h := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MaxReplicas:    5,
		},
	}
	defaultHPA(h)
	return h
}

func TestHPADefaults(t *testing.T) {
	h := validHPA()
	if *h.Spec.MinReplicas != 1 || !reflect.DeepEqual(h.Spec.Metrics, []autoscalingv2.MetricSpec{cpuUtilizationMetric(80)}) {
		t.Errorf("defaults = %+v", h.Spec)
	}
	if h.Spec.Behavior != nil {
		t.Errorf("behavior defaulted from nothing: %+v", h.Spec.Behavior)
	}
	// A partial behavior is completed.
	h.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{
		ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: ptr(int32(60))},
	}
	defaultHPA(h)
	b := h.Spec.Behavior
	if !reflect.DeepEqual(b.ScaleUp, defaultScaleUp()) {
		t.Errorf("scaleUp = %+v", b.ScaleUp)
	}
	if *b.ScaleDown.StabilizationWindowSeconds != 60 || *b.ScaleDown.SelectPolicy != autoscalingv2.MaxChangePolicySelect ||
		!reflect.DeepEqual(b.ScaleDown.Policies, defaultScaleDown().Policies) {
		t.Errorf("scaleDown = %+v", b.ScaleDown)
	}
	checkErrors(t, validateHPA(h))
}

func TestHPAValidate(t *testing.T) {
	q := resource.MustParse("100m")
	cases := []struct {
		name   string
		mutate func(*autoscalingv2.HorizontalPodAutoscaler)
		want   []wantErr
	}{
		{"valid", func(*autoscalingv2.HorizontalPodAutoscaler) {}, nil},
		{"pods metric", func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Metrics = []autoscalingv2.MetricSpec{{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricSource{
				Metric: autoscalingv2.MetricIdentifier{Name: "rps"},
				Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: &q}}}}
		}, nil},
		{"no kind", func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.ScaleTargetRef.Kind = "" },
			[]wantErr{{field.ErrorTypeRequired, "spec.scaleTargetRef.kind"}}},
		{"no name", func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.ScaleTargetRef.Name = "" },
			[]wantErr{{field.ErrorTypeRequired, "spec.scaleTargetRef.name"}}},
		{"bad ref name", func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.ScaleTargetRef.Name = "a/b" },
			[]wantErr{{field.ErrorTypeInvalid, "spec.scaleTargetRef.name"}}},
		{"min zero", func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.MinReplicas = ptr(int32(0)) },
			[]wantErr{{field.ErrorTypeInvalid, "spec.minReplicas"}}},
		{"max below min", func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.MinReplicas = ptr(int32(6)) },
			[]wantErr{{field.ErrorTypeInvalid, "spec.maxReplicas"}}},
		{"max zero", func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.MaxReplicas = 0 },
			[]wantErr{{field.ErrorTypeInvalid, "spec.maxReplicas"}}},
		{"no metric type", func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.Metrics[0].Type = "" },
			[]wantErr{{field.ErrorTypeRequired, "spec.metrics[0].type"}}},
		{"unknown metric type", func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.Metrics[0].Type = "Magic" },
			[]wantErr{{field.ErrorTypeNotSupported, "spec.metrics[0].type"}}},
		{"source missing", func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Metrics[0].Type = autoscalingv2.PodsMetricSourceType
		},
			[]wantErr{{field.ErrorTypeRequired, "spec.metrics[0].pods"}}},
		{"zero utilization", func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Metrics[0].Resource.Target.AverageUtilization = ptr(int32(0))
		},
			[]wantErr{{field.ErrorTypeInvalid, "spec.metrics[0].resource.target.averageUtilization"}}},
		{"no target", func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Metrics[0].Resource.Target.AverageUtilization = nil
		},
			[]wantErr{{field.ErrorTypeRequired, "spec.metrics[0].resource.target.averageUtilization"}}},
		{"bad target type", func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.Metrics[0].Resource.Target.Type = "Most" },
			[]wantErr{{field.ErrorTypeInvalid, "spec.metrics[0].resource.target.type"}}},
		{"bad policy", func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: &autoscalingv2.HPAScalingRules{
				StabilizationWindowSeconds: ptr(int32(4000)),
				Policies:                   []autoscalingv2.HPAScalingPolicy{{Type: "Nodes", Value: 0, PeriodSeconds: 2000}},
			}}
		}, []wantErr{
			{field.ErrorTypeInvalid, "spec.behavior.scaleUp.stabilizationWindowSeconds"},
			{field.ErrorTypeNotSupported, "spec.behavior.scaleUp.policies[0].type"},
			{field.ErrorTypeInvalid, "spec.behavior.scaleUp.policies[0].value"},
			{field.ErrorTypeInvalid, "spec.behavior.scaleUp.policies[0].periodSeconds"},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := validHPA()
			c.mutate(h)
			checkErrors(t, validateHPA(h), c.want...)
		})
	}
}

func TestHPAV1Conversion(t *testing.T) {
	k := hpaV1Kind()
	if k.StoredAs == nil || *k.StoredAs != storedHPA {
		t.Fatalf("StoredAs = %v", k.StoredAs)
	}
	v1 := &autoscalingv1.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: "u"},
		Spec: autoscalingv1.HorizontalPodAutoscalerSpec{
			ScaleTargetRef:                 autoscalingv1.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MaxReplicas:                    4,
			TargetCPUUtilizationPercentage: ptr(int32(50)),
		},
		Status: autoscalingv1.HorizontalPodAutoscalerStatus{CurrentReplicas: 2, CurrentCPUUtilizationPercentage: ptr(int32(30))},
	}
	k.Default(v1)
	checkErrors(t, k.Validate(v1))
	stored, err := k.ToStored(v1)
	if err != nil {
		t.Fatal(err)
	}
	v2 := stored.(*autoscalingv2.HorizontalPodAutoscaler)
	if !reflect.DeepEqual(v2.Spec.Metrics, []autoscalingv2.MetricSpec{cpuUtilizationMetric(50)}) || *v2.Spec.MinReplicas != 1 {
		t.Errorf("stored spec = %+v", v2.Spec)
	}
	if got := v2.Status.CurrentMetrics[0].Resource.Current.AverageUtilization; got == nil || *got != 30 {
		t.Errorf("stored status = %+v", v2.Status)
	}
	back, err := k.FromStored(stored)
	if err != nil {
		t.Fatal(err)
	}
	v1.APIVersion, v1.Kind = "autoscaling/v1", "HorizontalPodAutoscaler"
	if !reflect.DeepEqual(back, runtime.Object(v1)) {
		t.Errorf("round trip = %+v\nwant %+v", back, v1)
	}

	// Without a target, v1 shows the stored default of 80%.
	v1.Spec.TargetCPUUtilizationPercentage = nil
	stored, _ = k.ToStored(v1)
	back, _ = k.FromStored(stored)
	if got := back.(*autoscalingv1.HorizontalPodAutoscaler).Spec.TargetCPUUtilizationPercentage; got == nil || *got != 80 {
		t.Errorf("default target = %v", got)
	}

	// Invalid v1 input reports the v2 path, as Kubernetes does.
	v1.Spec.TargetCPUUtilizationPercentage = ptr(int32(0))
	checkErrors(t, k.Validate(v1), wantErr{field.ErrorTypeInvalid, "spec.metrics[0].resource.target.averageUtilization"})

	if _, err := k.FromStored(&autoscalingv1.HorizontalPodAutoscaler{}); err == nil {
		t.Error("FromStored accepted a v1 object")
	}
}

func TestHPARow(t *testing.T) {
	want := []string{"Name", "Reference", "Targets", "MinPods", "MaxPods", "Replicas", "Age"}
	var got []string
	for _, c := range hpaColumns {
		got = append(got, c.Name)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("columns = %v", got)
	}
	if n := len(hpaRow(&autoscalingv2.HorizontalPodAutoscaler{})); n != len(hpaColumns) {
		t.Errorf("empty row has %d cells", n)
	}
	h := validHPA()
	h.Status.CurrentReplicas = 2
	row := hpaRow(h)
	if row[1] != "Deployment/web" || row[2] != "cpu: <unknown>/80%" || row[3] != "1" || row[4] != int64(5) || row[5] != int64(2) {
		t.Errorf("row = %#v", row)
	}
	q := resource.MustParse("10")
	h.Status.CurrentMetrics = []autoscalingv2.MetricStatus{{Type: autoscalingv2.ResourceMetricSourceType,
		Resource: &autoscalingv2.ResourceMetricStatus{Name: corev1.ResourceCPU, Current: autoscalingv2.MetricValueStatus{AverageUtilization: ptr(int32(12))}}}}
	ext := autoscalingv2.MetricSpec{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricSource{
		Metric: autoscalingv2.MetricIdentifier{Name: "queue"}, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: &q}}}
	h.Spec.Metrics = append(h.Spec.Metrics, ext, ext)
	if got := hpaRow(h)[2]; got != "cpu: 12%/80%, <unknown>/10 (avg) + 1 more..." {
		t.Errorf("targets = %q", got)
	}
}

func TestRegister(t *testing.T) {
	r := api.NewRegistry()
	Register(r)
	if len(r.Kinds()) != 2 {
		t.Fatalf("kinds = %d", len(r.Kinds()))
	}
	for _, k := range r.Kinds() {
		if k.Resource != "horizontalpodautoscalers" || !reflect.DeepEqual(k.ShortNames, []string{"hpa"}) ||
			!reflect.DeepEqual(k.Categories, []string{"all"}) || !k.HasSubresource("status") {
			t.Errorf("%v: %+v", k.GVK, k)
		}
		obj, list := k.New(), k.NewList()
		switch k.GVK.Version {
		case "v2":
			_, ok1 := obj.(*autoscalingv2.HorizontalPodAutoscaler)
			_, ok2 := list.(*autoscalingv2.HorizontalPodAutoscalerList)
			if !ok1 || !ok2 || k.StoredAs != nil {
				t.Errorf("v2: %T %T stored as %v", obj, list, k.StoredAs)
			}
		case "v1":
			_, ok1 := obj.(*autoscalingv1.HorizontalPodAutoscaler)
			_, ok2 := list.(*autoscalingv1.HorizontalPodAutoscalerList)
			if !ok1 || !ok2 {
				t.Errorf("v1: %T %T", obj, list)
			}
		default:
			t.Errorf("unexpected version %s", k.GVK.Version)
		}
		k.Default(obj)
		if len(k.Validate(obj)) == 0 || len(k.Row(obj)) != len(k.Columns) {
			t.Errorf("%v: empty object validated or row mismatch", k.GVK)
		}
	}
}
