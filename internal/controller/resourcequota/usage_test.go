package resourcequota

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

var now = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func res(cpu, mem string) corev1.ResourceList {
	l := corev1.ResourceList{}
	if cpu != "" {
		l[corev1.ResourceCPU] = resource.MustParse(cpu)
	}
	if mem != "" {
		l[corev1.ResourceMemory] = resource.MustParse(mem)
	}
	return l
}

func podWith(req, lim corev1.ResourceList) *corev1.Pod {
	return &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Resources: corev1.ResourceRequirements{Requests: req, Limits: lim}}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning}}
}

func hard(names ...corev1.ResourceName) *corev1.ResourceQuota {
	q := &corev1.ResourceQuota{Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{}}}
	for _, n := range names {
		q.Spec.Hard[n] = resource.MustParse("100")
	}
	return q
}

func TestUsage(t *testing.T) {
	a := podWith(res("250m", "64Mi"), res("500m", "128Mi"))
	b := podWith(res("750m", "64Mi"), nil)
	init := podWith(res("100m", ""), nil)
	init.Spec.InitContainers = []corev1.Container{{Resources: corev1.ResourceRequirements{Requests: res("2", "")}}}
	done := podWith(res("4", ""), nil)
	done.Status.Phase = corev1.PodSucceeded
	gracePast := podWith(res("4", ""), nil)
	gracePast.DeletionTimestamp = &metav1.Time{Time: now.Add(-time.Minute)}
	gracePast.DeletionGracePeriodSeconds = ptr.To[int64](30)

	svc := func(t corev1.ServiceType, ports int) *corev1.Service {
		s := &corev1.Service{Spec: corev1.ServiceSpec{Type: t}}
		for i := 0; i < ports; i++ {
			s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Port: int32(80 + i)})
		}
		return s
	}
	gold := "gold"
	pvc := func(size string, class *string) *corev1.PersistentVolumeClaim {
		return &corev1.PersistentVolumeClaim{Spec: corev1.PersistentVolumeClaimSpec{StorageClassName: class,
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)}}}}
	}
	inv := Inventory{
		Pods:       []*corev1.Pod{a, b, init, done, gracePast},
		Services:   []*corev1.Service{svc(corev1.ServiceTypeClusterIP, 1), svc(corev1.ServiceTypeNodePort, 2), svc(corev1.ServiceTypeLoadBalancer, 1)},
		PVCs:       []*corev1.PersistentVolumeClaim{pvc("1Gi", &gold), pvc("2Gi", nil)},
		ConfigMaps: 3, Secrets: 4, RCs: 1, Quotas: 1,
		Count: func(name corev1.ResourceName) (int64, bool) { return 7, name == "count/deployments.apps" },
	}
	cases := []struct {
		name corev1.ResourceName
		want string
	}{
		{corev1.ResourcePods, "3"},
		{"count/pods", "3"},
		{corev1.ResourceRequestsCPU, "3"}, // 250m + 750m + max(100m, 2)
		{corev1.ResourceCPU, "3"},
		{corev1.ResourceLimitsCPU, "500m"},
		{corev1.ResourceRequestsMemory, "128Mi"},
		{corev1.ResourceLimitsMemory, "128Mi"},
		{corev1.ResourceServices, "3"},
		{corev1.ResourceServicesNodePorts, "3"},
		{corev1.ResourceServicesLoadBalancers, "1"},
		{corev1.ResourceConfigMaps, "3"},
		{corev1.ResourceSecrets, "4"},
		{"count/secrets", "4"},
		{corev1.ResourceReplicationControllers, "1"},
		{corev1.ResourceQuotas, "1"},
		{corev1.ResourcePersistentVolumeClaims, "2"},
		{corev1.ResourceRequestsStorage, "3Gi"},
		{"gold.storageclass.storage.k8s.io/requests.storage", "1Gi"},
		{"gold.storageclass.storage.k8s.io/persistentvolumeclaims", "1"},
		{"count/deployments.apps", "7"},
	}
	for _, tc := range cases {
		used := Usage(hard(tc.name), inv, now)
		got, ok := used[tc.name]
		if !ok || got.Cmp(resource.MustParse(tc.want)) != 0 {
			t.Errorf("%s: got %v (present %v), want %s", tc.name, got.String(), ok, tc.want)
		}
	}
	// Only resources named in spec.hard are reported; unknown count/ kinds are left out.
	used := Usage(hard(corev1.ResourcePods, "count/widgets.example.com"), inv, now)
	if len(used) != 1 {
		t.Errorf("used = %v", used)
	}
}

func TestScopes(t *testing.T) {
	be := podWith(nil, nil)
	burst := podWith(res("1", ""), nil)
	deadline := podWith(nil, nil)
	deadline.Spec.ActiveDeadlineSeconds = ptr.To[int64](30)
	high := podWith(nil, nil)
	high.Spec.PriorityClassName = "high"
	pods := []*corev1.Pod{be, burst, deadline, high}
	cases := []struct {
		name   string
		scopes []corev1.ResourceQuotaScope
		sel    *corev1.ScopeSelector
		want   int64
	}{
		{"no scope", nil, nil, 4},
		{"BestEffort", []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeBestEffort}, nil, 3},
		{"NotBestEffort", []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeNotBestEffort}, nil, 1},
		{"Terminating", []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeTerminating}, nil, 1},
		{"NotTerminating+BestEffort", []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeNotTerminating, corev1.ResourceQuotaScopeBestEffort}, nil, 2},
		{"PriorityClass In high", nil, &corev1.ScopeSelector{MatchExpressions: []corev1.ScopedResourceSelectorRequirement{{
			ScopeName: corev1.ResourceQuotaScopePriorityClass, Operator: corev1.ScopeSelectorOpIn, Values: []string{"high"}}}}, 1},
		{"PriorityClass DoesNotExist", nil, &corev1.ScopeSelector{MatchExpressions: []corev1.ScopedResourceSelectorRequirement{{
			ScopeName: corev1.ResourceQuotaScopePriorityClass, Operator: corev1.ScopeSelectorOpDoesNotExist}}}, 3},
	}
	for _, tc := range cases {
		q := hard(corev1.ResourcePods)
		q.Spec.Scopes, q.Spec.ScopeSelector = tc.scopes, tc.sel
		got := Usage(q, Inventory{Pods: pods}, now)[corev1.ResourcePods]
		if got.Value() != tc.want {
			t.Errorf("%s: %d pods, want %d", tc.name, got.Value(), tc.want)
		}
	}
}
