package kubelet

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"rudder/internal/kubelet/fieldpath"
)

type testObjects struct {
	cms     map[string]*corev1.ConfigMap
	secrets map[string]*corev1.Secret
}

func (o testObjects) ConfigMap(ns, name string) (*corev1.ConfigMap, error) {
	if cm := o.cms[ns+"/"+name]; cm != nil {
		return cm, nil
	}
	return nil, apierrors.NewNotFound(corev1.Resource("configmap"), name)
}

func (o testObjects) Secret(ns, name string) (*corev1.Secret, error) {
	if s := o.secrets[ns+"/"+name]; s != nil {
		return s, nil
	}
	return nil, apierrors.NewNotFound(corev1.Resource("secret"), name)
}

var envObjects = testObjects{
	cms:     map[string]*corev1.ConfigMap{"ns/cfg": {Data: map[string]string{"color": "blue", "size": "L", "bad=key": "x"}}},
	secrets: map[string]*corev1.Secret{"ns/creds": {Data: map[string][]byte{"password": []byte("s3cr3t")}}},
}

func cmKey(name, key string, optional bool) *corev1.EnvVarSource {
	return &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: key, Optional: &optional}}
}

func secretKey(name, key string, optional bool) *corev1.EnvVarSource {
	return &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: key, Optional: &optional}}
}

func field(path string) *corev1.EnvVarSource {
	return &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: path}}
}

func TestContainerEnv(t *testing.T) {
	cases := []struct {
		name    string
		env     []corev1.EnvVar
		envFrom []corev1.EnvFromSource
		want    map[string]string // subset that must be present
		absent  []string
		err     string
	}{
		{name: "literal and expansion",
			env:  []corev1.EnvVar{{Name: "A", Value: "x"}, {Name: "B", Value: "$(A)-$(MISSING)-$$(A)-$(DB_SERVICE_HOST)"}},
			want: map[string]string{"A": "x", "B": "x-$(MISSING)-$(A)-10.43.0.20"}},
		{name: "configMapKeyRef and secretKeyRef",
			env:  []corev1.EnvVar{{Name: "C", ValueFrom: cmKey("cfg", "color", false)}, {Name: "P", ValueFrom: secretKey("creds", "password", false)}},
			want: map[string]string{"C": "blue", "P": "s3cr3t"}},
		{name: "optional missing references are skipped",
			env:    []corev1.EnvVar{{Name: "C", ValueFrom: cmKey("nope", "k", true)}, {Name: "D", ValueFrom: cmKey("cfg", "nokey", true)}, {Name: "S", ValueFrom: secretKey("nope", "k", true)}},
			absent: []string{"C", "D", "S"}},
		{name: "missing configmap", env: []corev1.EnvVar{{Name: "C", ValueFrom: cmKey("nope", "k", false)}}, err: `configmap "nope" not found`},
		{name: "missing configmap key", env: []corev1.EnvVar{{Name: "C", ValueFrom: cmKey("cfg", "k", false)}}, err: "couldn't find key k in ConfigMap ns/cfg"},
		{name: "missing secret", env: []corev1.EnvVar{{Name: "S", ValueFrom: secretKey("nope", "k", false)}}, err: `secret "nope" not found`},
		{name: "missing secret key", env: []corev1.EnvVar{{Name: "S", ValueFrom: secretKey("creds", "k", false)}}, err: "couldn't find key k in Secret ns/creds"},
		{name: "fieldRef",
			env: []corev1.EnvVar{{Name: "N", ValueFrom: field("metadata.name")}, {Name: "NS", ValueFrom: field("metadata.namespace")},
				{Name: "L", ValueFrom: field("metadata.labels['app']")}, {Name: "AN", ValueFrom: field("metadata.annotations['team']")},
				{Name: "NODE", ValueFrom: field("spec.nodeName")}, {Name: "SA", ValueFrom: field("spec.serviceAccountName")},
				{Name: "IP", ValueFrom: field("status.podIP")}, {Name: "IPS", ValueFrom: field("status.podIPs")},
				{Name: "HOST", ValueFrom: field("status.hostIP")}, {Name: "UID", ValueFrom: field("metadata.uid")}},
			want: map[string]string{"N": "web", "NS": "ns", "L": "shop", "AN": "blue", "NODE": "node-1", "SA": "default",
				"IP": "10.42.0.7", "IPS": "10.42.0.7", "HOST": "192.168.0.1", "UID": "uid-1"}},
		{name: "resourceFieldRef",
			env: []corev1.EnvVar{
				{Name: "MEM", ValueFrom: &corev1.EnvVarSource{ResourceFieldRef: &corev1.ResourceFieldSelector{Resource: "limits.memory", Divisor: resource.MustParse("1Mi")}}},
				{Name: "CPU", ValueFrom: &corev1.EnvVarSource{ResourceFieldRef: &corev1.ResourceFieldSelector{Resource: "limits.cpu"}}}},
			want: map[string]string{"MEM": "128", "CPU": "8"}},
		{name: "envFrom with prefix, env overrides",
			envFrom: []corev1.EnvFromSource{{Prefix: "CFG_", ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}}},
				{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "creds"}}}},
			env:    []corev1.EnvVar{{Name: "CFG_size", Value: "XL-$(CFG_color)"}},
			want:   map[string]string{"CFG_color": "blue", "CFG_size": "XL-blue", "password": "s3cr3t"},
			absent: []string{"CFG_bad=key"}},
		{name: "envFrom missing", envFrom: []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "nope"}}}},
			err: `configmap "nope" not found`},
		{name: "envFrom missing optional", envFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "nope"}, Optional: ptrTo(true)}}},
			want: map[string]string{"KUBERNETES_SERVICE_HOST": "10.43.0.1"}},
		{name: "service links",
			want: map[string]string{"KUBERNETES_SERVICE_HOST": "10.43.0.1", "KUBERNETES_SERVICE_PORT": "443", "KUBERNETES_SERVICE_PORT_HTTPS": "443",
				"KUBERNETES_PORT": "tcp://10.43.0.1:443", "KUBERNETES_PORT_443_TCP_ADDR": "10.43.0.1",
				"DB_SERVICE_HOST": "10.43.0.20", "DB_SERVICE_PORT": "5432", "DB_PORT_5432_TCP": "tcp://10.43.0.20:5432",
				"DB_PORT_53_UDP_PROTO": "udp", "DB_PORT_5432_TCP_PORT": "5432"},
			absent: []string{"HEADLESS_SERVICE_HOST"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pod := envPod()
			c := &pod.Spec.Containers[0]
			c.Env, c.EnvFrom = tc.env, tc.envFrom
			env, err := containerEnv(envInput{Pod: pod, Container: c, Objects: envObjects,
				Services: serviceLinkServices(pod, envServices), Status: fieldpath.Status{PodIPs: []string{"10.42.0.7"}, HostIPs: []string{"192.168.0.1"}},
				Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("8")}})
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, e := range env {
				if _, dup := got[e.Name]; dup {
					t.Fatalf("%s set twice", e.Name)
				}
				got[e.Name] = e.Value
			}
			for k, v := range tc.want {
				if g, ok := got[k]; !ok || g != v {
					t.Errorf("%s = %q (set %v), want %q", k, g, ok, v)
				}
			}
			for _, k := range tc.absent {
				if _, ok := got[k]; ok {
					t.Errorf("%s set, want absent", k)
				}
			}
		})
	}
}

func TestEnableServiceLinksFalseKeepsKubernetesService(t *testing.T) {
	pod := envPod()
	pod.Spec.EnableServiceLinks = ptrTo(false)
	env := serviceEnv(serviceLinkServices(pod, envServices))
	if env["KUBERNETES_SERVICE_HOST"] != "10.43.0.1" || env["DB_SERVICE_HOST"] != "" {
		t.Fatalf("env %v: want only the kubernetes service", env)
	}
}

func envPod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: "uid-1",
			Labels: map[string]string{"app": "shop"}, Annotations: map[string]string{"team": "blue"}},
		Spec: corev1.PodSpec{NodeName: "node-1", ServiceAccountName: "default", Containers: []corev1.Container{{
			Name: "main", Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")}},
		}}},
	}
}

func envServices(ns string) []*corev1.Service {
	svc := func(ns, name, ip string, ports ...corev1.ServicePort) *corev1.Service {
		return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: corev1.ServiceSpec{ClusterIP: ip, Ports: ports}}
	}
	all := []*corev1.Service{
		svc("default", "kubernetes", "10.43.0.1", corev1.ServicePort{Name: "https", Port: 443, Protocol: corev1.ProtocolTCP}),
		svc("default", "other", "10.43.0.9", corev1.ServicePort{Port: 80}),
		svc("ns", "db", "10.43.0.20", corev1.ServicePort{Port: 5432, Protocol: corev1.ProtocolTCP}, corev1.ServicePort{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP}),
		svc("ns", "headless", "None", corev1.ServicePort{Port: 80}),
		svc("ns", "kubernetes", "10.43.0.99", corev1.ServicePort{Port: 1}),
	}
	var out []*corev1.Service
	for _, s := range all {
		if s.Namespace == ns {
			out = append(out, s)
		}
	}
	return out
}

func TestExpand(t *testing.T) {
	vars := map[string]string{"A": "x", "EMPTY": ""}
	lookup := func(n string) (string, bool) { v, ok := vars[n]; return v, ok }
	cases := map[string]string{
		"plain":         "plain",
		"$(A)":          "x",
		"a$(A)b$(A)":    "axbx",
		"$(EMPTY)|":     "|",
		"$(MISSING)":    "$(MISSING)",
		"$$(A)":         "$(A)",
		"$$$(A)":        "$x",
		"$(A":           "$(A",
		"$A $":          "$A $",
		"$()":           "$()",
		"100$":          "100$",
		"echo $(A) $$1": "echo x $1",
	}
	for in, want := range cases {
		if got := expand(in, lookup); got != want {
			t.Errorf("expand(%q) = %q, want %q", in, got, want)
		}
	}
	if got := expandAll([]string{"sh", "-c", "echo $(A)"}, []envVar{{"A", "hi"}}); strings.Join(got, " ") != "sh -c echo hi" {
		t.Errorf("expandAll = %q", got)
	}
}
