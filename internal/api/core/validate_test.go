package core

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validObjects holds one valid new object per kind; every case below starts
// from one of them and breaks one rule.
func validObjects() map[string]func() runtime.Object {
	podSpec := func() corev1.PodSpec {
		return corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}}
	}
	return map[string]func() runtime.Object{
		"namespaces": func() runtime.Object { return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a"}} },
		"pods":       func() runtime.Object { return &corev1.Pod{ObjectMeta: om("web"), Spec: podSpec()} },
		"services": func() runtime.Object {
			return &corev1.Service{ObjectMeta: om("web"), Spec: corev1.ServiceSpec{
				Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Port: 80}}}}
		},
		"endpoints": func() runtime.Object {
			return &corev1.Endpoints{ObjectMeta: om("web"), Subsets: []corev1.EndpointSubset{{
				Addresses: []corev1.EndpointAddress{{IP: "10.42.0.5"}}, Ports: []corev1.EndpointPort{{Port: 80}}}}}
		},
		"configmaps": func() runtime.Object {
			return &corev1.ConfigMap{ObjectMeta: om("cfg"), Data: map[string]string{"a.conf": "x"}}
		},
		"secrets": func() runtime.Object {
			return &corev1.Secret{ObjectMeta: om("s"), StringData: map[string]string{"password": "x"}}
		},
		"nodes": func() runtime.Object {
			return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}, Spec: corev1.NodeSpec{PodCIDR: "10.42.0.0/24", PodCIDRs: []string{"10.42.0.0/24"}}}
		},
		"events": func() runtime.Object {
			return &corev1.Event{ObjectMeta: om("web.1"), InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "web"}, Type: "Normal"}
		},
		"serviceaccounts": func() runtime.Object { return &corev1.ServiceAccount{ObjectMeta: om("default")} },
		"persistentvolumes": func() runtime.Object {
			return &corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: "pv1"}, Spec: corev1.PersistentVolumeSpec{
				Capacity:               corev1.ResourceList{"storage": resource.MustParse("1Gi")},
				AccessModes:            []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/data"}},
			}}
		},
		"persistentvolumeclaims": func() runtime.Object {
			return &corev1.PersistentVolumeClaim{ObjectMeta: om("data"), Spec: corev1.PersistentVolumeClaimSpec{
				AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{"storage": resource.MustParse("1Gi")}},
			}}
		},
		"resourcequotas": func() runtime.Object {
			return &corev1.ResourceQuota{ObjectMeta: om("q"), Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"pods": resource.MustParse("10"), "count/deployments.apps": resource.MustParse("2")}}}
		},
		"limitranges": func() runtime.Object {
			return &corev1.LimitRange{ObjectMeta: om("l"), Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
				Type: corev1.LimitTypeContainer, Min: corev1.ResourceList{"cpu": resource.MustParse("100m")}, Max: corev1.ResourceList{"cpu": resource.MustParse("1")}}}}}
		},
		"replicationcontrollers": func() runtime.Object {
			return &corev1.ReplicationController{ObjectMeta: om("rc"), Spec: corev1.ReplicationControllerSpec{
				Template: &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}}, Spec: podSpec()}}}
		},
		"podtemplates": func() runtime.Object {
			return &corev1.PodTemplate{ObjectMeta: om("t"), Template: corev1.PodTemplateSpec{Spec: podSpec()}}
		},
	}
}

func TestValidObjectsPass(t *testing.T) {
	for resource, mk := range validObjects() {
		if errs := create(t, resource, mk()); len(errs) > 0 {
			t.Errorf("%s: valid object refused: %v", resource, errs)
		}
	}
	if n := len(registry(t).Kinds()); n != len(validObjects()) {
		t.Errorf("%d kinds but %d valid objects: add the missing one", n, len(validObjects()))
	}
}

func TestValidationRules(t *testing.T) {
	cases := []struct {
		resource, name string
		mutate         func(runtime.Object)
		typ            field.ErrorType
		path           string
	}{
		{"namespaces", "name not a DNS label", func(o runtime.Object) { o.(*corev1.Namespace).Name = "a.b" }, field.ErrorTypeInvalid, "metadata.name"},
		{"pods", "missing namespace", func(o runtime.Object) { o.(*corev1.Pod).Namespace = "" }, field.ErrorTypeRequired, "metadata.namespace"},
		{"pods", "spec checked", func(o runtime.Object) { o.(*corev1.Pod).Spec.Containers = nil }, field.ErrorTypeRequired, "spec.containers"},
		{"services", "name must be DNS-1035", func(o runtime.Object) { o.(*corev1.Service).Name = "1web" }, field.ErrorTypeInvalid, "metadata.name"},
		{"services", "ports required", func(o runtime.Object) { o.(*corev1.Service).Spec.Ports = nil }, field.ErrorTypeRequired, "spec.ports"},
		{"services", "port names required with several ports", func(o runtime.Object) {
			s := o.(*corev1.Service)
			s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Port: 81})
		}, field.ErrorTypeRequired, "spec.ports[0].name"},
		{"services", "port out of range", func(o runtime.Object) { o.(*corev1.Service).Spec.Ports[0].Port = 0 }, field.ErrorTypeInvalid, "spec.ports[0].port"},
		{"services", "type", func(o runtime.Object) { o.(*corev1.Service).Spec.Type = "Magic" }, field.ErrorTypeNotSupported, "spec.type"},
		{"services", "nodePort on ClusterIP", func(o runtime.Object) { o.(*corev1.Service).Spec.Ports[0].NodePort = 30001 }, field.ErrorTypeForbidden, "spec.ports[0].nodePort"},
		{"services", "externalName required", func(o runtime.Object) {
			s := o.(*corev1.Service)
			s.Spec = corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName}
		}, field.ErrorTypeRequired, "spec.externalName"},
		{"services", "bad cluster IP", func(o runtime.Object) { o.(*corev1.Service).Spec.ClusterIP = "300.1.1.1" }, field.ErrorTypeInvalid, "spec.clusterIPs[0]"},
		{"endpoints", "bad IP", func(o runtime.Object) { o.(*corev1.Endpoints).Subsets[0].Addresses[0].IP = "nope" }, field.ErrorTypeInvalid, "subsets[0].addresses[0].ip"},
		{"configmaps", "bad key", func(o runtime.Object) { o.(*corev1.ConfigMap).Data["a b"] = "" }, field.ErrorTypeInvalid, "data[a b]"},
		{"configmaps", "key in both maps", func(o runtime.Object) {
			o.(*corev1.ConfigMap).BinaryData = map[string][]byte{"a.conf": nil}
		}, field.ErrorTypeInvalid, "binaryData[a.conf]"},
		{"secrets", "tls needs keys", func(o runtime.Object) { o.(*corev1.Secret).Type = corev1.SecretTypeTLS }, field.ErrorTypeRequired, "data[tls.crt]"},
		{"secrets", "dockerconfigjson must be JSON", func(o runtime.Object) {
			s := o.(*corev1.Secret)
			s.Type = corev1.SecretTypeDockerConfigJson
			s.StringData = map[string]string{".dockerconfigjson": "{"}
		}, field.ErrorTypeInvalid, "data[.dockerconfigjson]"},
		{"secrets", "service account token needs annotation", func(o runtime.Object) {
			o.(*corev1.Secret).Type = corev1.SecretTypeServiceAccountToken
		}, field.ErrorTypeRequired, "metadata.annotations[kubernetes.io/service-account.name]"},
		{"nodes", "taint effect", func(o runtime.Object) {
			o.(*corev1.Node).Spec.Taints = []corev1.Taint{{Key: "k"}}
		}, field.ErrorTypeRequired, "spec.taints[0].effect"},
		{"nodes", "pod CIDR", func(o runtime.Object) { o.(*corev1.Node).Spec.PodCIDRs = []string{"x"} }, field.ErrorTypeInvalid, "spec.podCIDRs[0]"},
		{"events", "other namespace", func(o runtime.Object) { o.(*corev1.Event).InvolvedObject.Namespace = "kube-system" }, field.ErrorTypeInvalid, "involvedObject.namespace"},
		{"serviceaccounts", "name", func(o runtime.Object) { o.(*corev1.ServiceAccount).Name = "Bad" }, field.ErrorTypeInvalid, "metadata.name"},
		{"persistentvolumes", "capacity", func(o runtime.Object) { o.(*corev1.PersistentVolume).Spec.Capacity = nil }, field.ErrorTypeRequired, "spec.capacity"},
		{"persistentvolumes", "access modes", func(o runtime.Object) { o.(*corev1.PersistentVolume).Spec.AccessModes = nil }, field.ErrorTypeRequired, "spec.accessModes"},
		{"persistentvolumes", "no source", func(o runtime.Object) {
			o.(*corev1.PersistentVolume).Spec.PersistentVolumeSource = corev1.PersistentVolumeSource{}
		}, field.ErrorTypeRequired, "spec"},
		{"persistentvolumes", "local needs node affinity", func(o runtime.Object) {
			o.(*corev1.PersistentVolume).Spec.PersistentVolumeSource = corev1.PersistentVolumeSource{Local: &corev1.LocalVolumeSource{Path: "/x"}}
		}, field.ErrorTypeRequired, "spec.nodeAffinity"},
		{"persistentvolumeclaims", "storage request", func(o runtime.Object) {
			o.(*corev1.PersistentVolumeClaim).Spec.Resources.Requests = nil
		}, field.ErrorTypeRequired, "spec.resources[storage]"},
		{"persistentvolumeclaims", "access modes", func(o runtime.Object) { o.(*corev1.PersistentVolumeClaim).Spec.AccessModes = nil }, field.ErrorTypeRequired, "spec.accessModes"},
		{"resourcequotas", "unknown resource", func(o runtime.Object) {
			o.(*corev1.ResourceQuota).Spec.Hard["widgets"] = resource.MustParse("1")
		}, field.ErrorTypeInvalid, "spec.hard[widgets]"},
		{"resourcequotas", "scope", func(o runtime.Object) {
			o.(*corev1.ResourceQuota).Spec.Scopes = []corev1.ResourceQuotaScope{"Sometimes"}
		}, field.ErrorTypeNotSupported, "spec.scopes[0]"},
		{"limitranges", "min above max", func(o runtime.Object) {
			o.(*corev1.LimitRange).Spec.Limits[0].Min["cpu"] = resource.MustParse("2")
		}, field.ErrorTypeInvalid, "spec.limits[0].min[cpu]"},
		{"limitranges", "type", func(o runtime.Object) { o.(*corev1.LimitRange).Spec.Limits[0].Type = "Node" }, field.ErrorTypeNotSupported, "spec.limits[0].type"},
		{"replicationcontrollers", "negative replicas", func(o runtime.Object) {
			o.(*corev1.ReplicationController).Spec.Replicas = ptr(int32(-1))
		}, field.ErrorTypeInvalid, "spec.replicas"},
		{"replicationcontrollers", "selector mismatch", func(o runtime.Object) {
			o.(*corev1.ReplicationController).Spec.Selector = map[string]string{"app": "other"}
		}, field.ErrorTypeInvalid, "spec.template.metadata.labels"},
		{"replicationcontrollers", "restart policy", func(o runtime.Object) {
			o.(*corev1.ReplicationController).Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever
		}, field.ErrorTypeNotSupported, "spec.template.spec.restartPolicy"},
		{"podtemplates", "template checked", func(o runtime.Object) {
			o.(*corev1.PodTemplate).Template.Spec.Containers[0].Image = ""
		}, field.ErrorTypeRequired, "template.spec.containers[0].image"},
	}
	valid := validObjects()
	for _, c := range cases {
		t.Run(c.resource+"/"+c.name, func(t *testing.T) {
			obj := valid[c.resource]()
			c.mutate(obj)
			errs := create(t, c.resource, obj)
			if !hasError(errs, c.typ, c.path) {
				t.Fatalf("want %s at %s, got %v", c.typ, c.path, errs)
			}
		})
	}
}
