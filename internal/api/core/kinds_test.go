package core

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func TestNamespaceCreateAndUpdate(t *testing.T) {
	ns := validObjects()["namespaces"]().(*corev1.Namespace)
	if errs := create(t, "namespaces", ns); len(errs) > 0 {
		t.Fatal(errs)
	}
	if ns.Status.Phase != corev1.NamespaceActive {
		t.Errorf("phase = %q, want Active", ns.Status.Phase)
	}
	if len(ns.Spec.Finalizers) != 1 || ns.Spec.Finalizers[0] != corev1.FinalizerKubernetes {
		t.Errorf("finalizers = %v, want [kubernetes]", ns.Spec.Finalizers)
	}
	if ns.Labels[corev1.LabelMetadataName] != "team-a" {
		t.Errorf("labels = %v, want the name label", ns.Labels)
	}
	ns.ResourceVersion = "1"
	changed := ns.DeepCopy()
	changed.Spec.Finalizers = nil
	if errs := update(t, "namespaces", changed, ns); len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(changed.Spec.Finalizers) != 1 {
		t.Errorf("an update of the main resource changed finalizers to %v", changed.Spec.Finalizers)
	}
}

func TestPodCreate(t *testing.T) {
	pod := validObjects()["pods"]().(*corev1.Pod)
	pod.Spec.Containers[0].Resources.Limits = corev1.ResourceList{"cpu": resource.MustParse("1"), "memory": resource.MustParse("64Mi")}
	pod.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/wait"}}
	pod.Status.Phase = corev1.PodRunning // a client cannot create a running pod
	if errs := create(t, "pods", pod); len(errs) > 0 {
		t.Fatal(errs)
	}
	if pod.Status.Phase != corev1.PodPending || pod.Status.QOSClass != corev1.PodQOSGuaranteed {
		t.Errorf("status = %s/%s, want Pending/Guaranteed", pod.Status.Phase, pod.Status.QOSClass)
	}
	if len(pod.Status.Conditions) != 1 || pod.Status.Conditions[0].Reason != corev1.PodReasonSchedulingGated {
		t.Errorf("conditions = %v, want SchedulingGated", pod.Status.Conditions)
	}
	if pod.Spec.EnableServiceLinks == nil || pod.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		t.Error("pod defaults not applied")
	}
}

func TestPodUpdate(t *testing.T) {
	old := validObjects()["pods"]().(*corev1.Pod)
	create(t, "pods", old)
	img := old.DeepCopy()
	img.Spec.Containers[0].Image = "nginx:2"
	if errs := update(t, "pods", img, old); len(errs) > 0 {
		t.Errorf("image change refused: %v", errs)
	}
	other := old.DeepCopy()
	other.Spec.Containers[0].Command = []string{"sh"}
	if errs := update(t, "pods", other, old); !hasError(errs, field.ErrorTypeForbidden, "spec") {
		t.Errorf("command change accepted: %v", errs)
	}
}

func TestPodFields(t *testing.T) {
	f := podFields(runningPod())
	want := map[string]string{"spec.nodeName": "n1", "status.phase": "Running", "status.podIP": "10.42.0.5", "spec.hostNetwork": "false"}
	for k, v := range want {
		if f[k] != v {
			t.Errorf("field %s = %q, want %q", k, f[k], v)
		}
	}
}

func TestServiceDefaults(t *testing.T) {
	svc := &corev1.Service{ObjectMeta: om("web"), Spec: corev1.ServiceSpec{
		Type:            corev1.ServiceTypeNodePort,
		SessionAffinity: corev1.ServiceAffinityClientIP,
		Ports:           []corev1.ServicePort{{Port: 80}},
	}}
	if errs := create(t, "services", svc); len(errs) > 0 {
		t.Fatal(errs)
	}
	s := svc.Spec
	checks := []struct {
		name      string
		got, want any
	}{
		{"protocol", s.Ports[0].Protocol, corev1.ProtocolTCP},
		{"targetPort", s.Ports[0].TargetPort, intstr.FromInt32(80)},
		{"externalTrafficPolicy", s.ExternalTrafficPolicy, corev1.ServiceExternalTrafficPolicyCluster},
		{"internalTrafficPolicy", *s.InternalTrafficPolicy, corev1.ServiceInternalTrafficPolicyCluster},
		{"ipFamilyPolicy", *s.IPFamilyPolicy, corev1.IPFamilyPolicySingleStack},
		{"ipFamilies", len(s.IPFamilies) == 1 && s.IPFamilies[0] == corev1.IPv4Protocol, true},
		{"clientIP timeout", *s.SessionAffinityConfig.ClientIP.TimeoutSeconds, int32(10800)},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	plain := validObjects()["services"]().(*corev1.Service)
	create(t, "services", plain)
	if plain.Spec.Type != corev1.ServiceTypeClusterIP || plain.Spec.SessionAffinity != corev1.ServiceAffinityNone || plain.Spec.ExternalTrafficPolicy != "" {
		t.Errorf("ClusterIP defaults wrong: %+v", plain.Spec)
	}
}

func TestServiceUpdate(t *testing.T) {
	old := validObjects()["services"]().(*corev1.Service)
	old.Spec.ClusterIP = "10.43.0.20"
	create(t, "services", old)

	// A PUT that leaves clusterIP out keeps the allocated one.
	omitted := validObjects()["services"]().(*corev1.Service)
	if errs := update(t, "services", omitted, old); len(errs) > 0 {
		t.Fatalf("update without clusterIP refused: %v", errs)
	}
	if omitted.Spec.ClusterIP != "10.43.0.20" {
		t.Errorf("clusterIP = %q, want the old one kept", omitted.Spec.ClusterIP)
	}
	changed := old.DeepCopy()
	changed.Spec.ClusterIP, changed.Spec.ClusterIPs = "10.43.0.21", []string{"10.43.0.21"}
	if errs := update(t, "services", changed, old); !hasError(errs, field.ErrorTypeInvalid, "spec.clusterIPs[0]") {
		t.Errorf("clusterIP change accepted: %v", errs)
	}
}

func TestServiceRow(t *testing.T) {
	cells := serviceRow(loadBalancer())
	want := []any{"lb", "LoadBalancer", "10.43.0.9", "1.2.3.4", "80:30080/TCP,53/UDP"}
	for i, w := range want {
		if cells[i] != w {
			t.Errorf("%s = %v, want %v", serviceColumns[i].Name, cells[i], w)
		}
	}
	if cells[6] != "app=web" {
		t.Errorf("selector = %v", cells[6])
	}
	pending := loadBalancer()
	pending.Status = corev1.ServiceStatus{}
	if got := serviceRow(pending)[3]; got != "<pending>" {
		t.Errorf("external IP without balancer = %v, want <pending>", got)
	}
	ext := &corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "db.example.com"}}
	if got := serviceRow(ext); got[2] != "<none>" || got[3] != "db.example.com" || got[4] != "<none>" {
		t.Errorf("ExternalName row = %v", got)
	}
}

func TestEndpointsColumn(t *testing.T) {
	ep := &corev1.Endpoints{Subsets: []corev1.EndpointSubset{{
		Addresses: []corev1.EndpointAddress{{IP: "10.0.0.1"}, {IP: "10.0.0.2"}, {IP: "10.0.0.3"}},
		Ports:     []corev1.EndpointPort{{Port: 80}, {Port: 443}},
	}}}
	if got := formatEndpoints(ep); got != "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 3 more..." {
		t.Errorf("endpoints = %q", got)
	}
	if got := formatEndpoints(&corev1.Endpoints{}); got != "<none>" {
		t.Errorf("empty endpoints = %q", got)
	}
}

func TestImmutableConfigMapAndSecret(t *testing.T) {
	cm := validObjects()["configmaps"]().(*corev1.ConfigMap)
	cm.Immutable = ptr(true)
	changed := cm.DeepCopy()
	changed.Data["a.conf"] = "y"
	if errs := update(t, "configmaps", changed, cm); !hasError(errs, field.ErrorTypeForbidden, "data") {
		t.Errorf("immutable ConfigMap data change accepted: %v", errs)
	}
	unmark := cm.DeepCopy()
	unmark.Immutable = nil
	if errs := update(t, "configmaps", unmark, cm); !hasError(errs, field.ErrorTypeForbidden, "immutable") {
		t.Errorf("immutable flag removal accepted: %v", errs)
	}
	labelled := cm.DeepCopy()
	labelled.Labels = map[string]string{"a": "b"}
	if errs := update(t, "configmaps", labelled, cm); len(errs) > 0 {
		t.Errorf("metadata change of immutable ConfigMap refused: %v", errs)
	}

	s := validObjects()["secrets"]().(*corev1.Secret)
	create(t, "secrets", s)
	retyped := s.DeepCopy()
	retyped.Type = "example.com/custom"
	if errs := update(t, "secrets", retyped, s); !hasError(errs, field.ErrorTypeInvalid, "type") {
		t.Errorf("secret type change accepted: %v", errs)
	}
}

func TestSecretDefaults(t *testing.T) {
	s := validObjects()["secrets"]().(*corev1.Secret)
	create(t, "secrets", s)
	if s.Type != corev1.SecretTypeOpaque || string(s.Data["password"]) != "x" || s.StringData != nil {
		t.Errorf("secret after defaulting: type %q data %v stringData %v", s.Type, s.Data, s.StringData)
	}
	if got := secretRow(s); got[1] != "Opaque" || got[2] != int64(1) {
		t.Errorf("row = %v", got)
	}
}

func TestNodeRow(t *testing.T) {
	cells := nodeRow(readyNode())
	want := []any{"n1", "Ready,SchedulingDisabled", "control-plane,worker"}
	for i, w := range want {
		if cells[i] != w {
			t.Errorf("%s = %v, want %v", nodeColumns[i].Name, cells[i], w)
		}
	}
	if cells[5] != "192.168.1.2" || cells[6] != "<none>" || cells[8] != "<unknown>" {
		t.Errorf("wide cells = %v", cells[5:])
	}
	if got := nodeRow(&corev1.Node{}); got[1] != "Unknown" || got[2] != "<none>" {
		t.Errorf("empty node = %v", got)
	}
}

func TestNodeUpdate(t *testing.T) {
	old := validObjects()["nodes"]().(*corev1.Node)
	old.ResourceVersion = "1"
	cordoned := old.DeepCopy()
	cordoned.Spec.Unschedulable = true
	if errs := update(t, "nodes", cordoned, old); len(errs) > 0 {
		t.Errorf("cordon refused: %v", errs)
	}
	moved := old.DeepCopy()
	moved.Spec.PodCIDR, moved.Spec.PodCIDRs = "10.42.1.0/24", []string{"10.42.1.0/24"}
	if errs := update(t, "nodes", moved, old); !hasError(errs, field.ErrorTypeForbidden, "spec.podCIDRs") {
		t.Errorf("pod CIDR change accepted: %v", errs)
	}
}

func TestEventRow(t *testing.T) {
	e := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: "web.1"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "web", FieldPath: "spec.containers{app}"},
		Type:           "Warning", Reason: "BackOff", Message: " Back-off restarting ",
		Source: corev1.EventSource{Component: "kubelet", Host: "n1"},
	}
	cells := eventRow(e)
	want := []any{"<unknown>", "Warning", "BackOff", "pod/web", "spec.containers{app}", "kubelet, n1", "Back-off restarting", "<unknown>", int64(1), "web.1"}
	for i, w := range want {
		if cells[i] != w {
			t.Errorf("%s = %v, want %v", eventColumns[i].Name, cells[i], w)
		}
	}
	if f := eventFields(e); f["involvedObject.name"] != "web" || f["source"] != "kubelet" || f["type"] != "Warning" {
		t.Errorf("fields = %v", f)
	}
}

func TestReplicationControllerDefaults(t *testing.T) {
	rc := validObjects()["replicationcontrollers"]().(*corev1.ReplicationController)
	create(t, "replicationcontrollers", rc)
	if *rc.Spec.Replicas != 1 || rc.Spec.Selector["app"] != "web" || rc.Labels["app"] != "web" {
		t.Errorf("rc defaults: replicas %d selector %v labels %v", *rc.Spec.Replicas, rc.Spec.Selector, rc.Labels)
	}
	if rc.Spec.Template.Spec.DNSPolicy != corev1.DNSClusterFirst {
		t.Error("template not defaulted")
	}
	if got := rcRow(rc); got[1] != int64(1) || got[7] != "app=web" {
		t.Errorf("row = %v", got)
	}
}

func TestPersistentVolumes(t *testing.T) {
	pv := validObjects()["persistentvolumes"]().(*corev1.PersistentVolume)
	create(t, "persistentvolumes", pv)
	if pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimRetain || pv.Status.Phase != corev1.VolumePending {
		t.Errorf("pv: policy %q phase %q", pv.Spec.PersistentVolumeReclaimPolicy, pv.Status.Phase)
	}
	if got := persistentVolumeRow(pv); got[1] != "1Gi" || got[2] != "RWO" || got[3] != "Retain" || got[10] != "Filesystem" {
		t.Errorf("pv row = %v", got)
	}
	pv.ResourceVersion = "1"
	moved := pv.DeepCopy()
	moved.Spec.HostPath.Path = "/other"
	if errs := update(t, "persistentvolumes", moved, pv); !hasError(errs, field.ErrorTypeForbidden, "spec.persistentvolumesource") {
		t.Errorf("source change accepted: %v", errs)
	}

	claim := validObjects()["persistentvolumeclaims"]().(*corev1.PersistentVolumeClaim)
	create(t, "persistentvolumeclaims", claim)
	if claim.Status.Phase != corev1.ClaimPending || *claim.Spec.VolumeMode != corev1.PersistentVolumeFilesystem {
		t.Errorf("pvc: phase %q", claim.Status.Phase)
	}
	bound := claim.DeepCopy()
	bound.Spec.VolumeName = "pv1"
	if errs := update(t, "persistentvolumeclaims", bound, claim); len(errs) > 0 {
		t.Errorf("binding refused: %v", errs)
	}
	grown := claim.DeepCopy()
	grown.Spec.Resources.Requests["storage"] = resource.MustParse("2Gi")
	if errs := update(t, "persistentvolumeclaims", grown, claim); !hasError(errs, field.ErrorTypeForbidden, "spec") {
		t.Errorf("resize of unbound claim accepted: %v", errs)
	}
	claim.Status.Phase = corev1.ClaimBound
	if errs := update(t, "persistentvolumeclaims", grown, claim); len(errs) > 0 {
		t.Errorf("resize of bound claim refused: %v", errs)
	}
}

func TestResourceQuotaRow(t *testing.T) {
	q := &corev1.ResourceQuota{Status: corev1.ResourceQuotaStatus{
		Hard: corev1.ResourceList{"pods": resource.MustParse("10"), "limits.cpu": resource.MustParse("2"), "requests.cpu": resource.MustParse("1")},
		Used: corev1.ResourceList{"pods": resource.MustParse("3")},
	}}
	got := resourceQuotaRow(q)
	if got[2] != "pods: 3/10, requests.cpu: 0/1" || got[3] != "limits.cpu: 0/2" {
		t.Errorf("quota row = %v", got)
	}
}
