package podspec

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validSpec is a defaulted spec that passes validation; cases break one rule.
func validSpec() *corev1.PodSpec {
	spec := &corev1.PodSpec{
		InitContainers: []corev1.Container{{Name: "init", Image: "busybox"}},
		Containers: []corev1.Container{{
			Name: "app", Image: "nginx:1.25",
			Ports:        []corev1.ContainerPort{{Name: "http", ContainerPort: 80}},
			Env:          []corev1.EnvVar{{Name: "MODE", Value: "x"}},
			VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/data"}},
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{"cpu": resource.MustParse("100m")},
				Limits:   corev1.ResourceList{"cpu": resource.MustParse("1")},
			},
			LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromString("http")}}},
		}},
		Volumes:      []corev1.Volume{{Name: "data"}},
		NodeSelector: map[string]string{"disk": "ssd"},
		Tolerations:  []corev1.Toleration{{Key: "k", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}},
	}
	DefaultPodSpec(spec)
	return spec
}

func TestValidatePodSpecValid(t *testing.T) {
	if errs := ValidatePodSpec(validSpec(), nil, field.NewPath("spec")); len(errs) > 0 {
		t.Fatalf("valid spec refused: %v", errs)
	}
}

func TestValidatePodSpecRules(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*corev1.PodSpec)
		typ    field.ErrorType
		path   string
	}{
		{"no containers", func(s *corev1.PodSpec) { s.Containers = nil }, field.ErrorTypeRequired, "spec.containers"},
		{"container name not a DNS label", func(s *corev1.PodSpec) { s.Containers[0].Name = "App_1" }, field.ErrorTypeInvalid, "spec.containers[0].name"},
		{"container name duplicates init", func(s *corev1.PodSpec) { s.Containers[0].Name = "init" }, field.ErrorTypeDuplicate, "spec.containers[0].name"},
		{"image missing", func(s *corev1.PodSpec) { s.Containers[0].Image = "" }, field.ErrorTypeRequired, "spec.containers[0].image"},
		{"port out of range", func(s *corev1.PodSpec) { s.Containers[0].Ports[0].ContainerPort = 70000 }, field.ErrorTypeInvalid, "spec.containers[0].ports[0].containerPort"},
		{"port protocol", func(s *corev1.PodSpec) { s.Containers[0].Ports[0].Protocol = "HTTP" }, field.ErrorTypeNotSupported, "spec.containers[0].ports[0].protocol"},
		{"duplicate port name", func(s *corev1.PodSpec) {
			s.Containers[0].Ports = append(s.Containers[0].Ports, corev1.ContainerPort{Name: "http", ContainerPort: 81, Protocol: "TCP"})
		}, field.ErrorTypeDuplicate, "spec.containers[0].ports[1].name"},
		{"env name with =", func(s *corev1.PodSpec) { s.Containers[0].Env[0].Name = "A=B" }, field.ErrorTypeInvalid, "spec.containers[0].env[0].name"},
		{"env value and valueFrom", func(s *corev1.PodSpec) {
			s.Containers[0].Env[0].ValueFrom = &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "s"}, Key: "k"}}
		}, field.ErrorTypeInvalid, "spec.containers[0].env[0].valueFrom"},
		{"duplicate volume", func(s *corev1.PodSpec) { s.Volumes = append(s.Volumes, s.Volumes[0]) }, field.ErrorTypeDuplicate, "spec.volumes[1].name"},
		{"two volume sources", func(s *corev1.PodSpec) {
			s.Volumes[0].HostPath = &corev1.HostPathVolumeSource{Path: "/x"}
		}, field.ErrorTypeForbidden, "spec.volumes[0]"},
		{"mount of unknown volume", func(s *corev1.PodSpec) { s.Containers[0].VolumeMounts[0].Name = "nope" }, field.ErrorTypeNotFound, "spec.containers[0].volumeMounts[0].name"},
		{"request above limit", func(s *corev1.PodSpec) {
			s.Containers[0].Resources.Requests["cpu"] = resource.MustParse("2")
		}, field.ErrorTypeInvalid, "spec.containers[0].resources.requests[cpu]"},
		{"negative quantity", func(s *corev1.PodSpec) {
			s.Containers[0].Resources.Limits["memory"] = resource.MustParse("-1")
		}, field.ErrorTypeInvalid, "spec.containers[0].resources.limits[memory]"},
		{"restart policy", func(s *corev1.PodSpec) { s.RestartPolicy = "Sometimes" }, field.ErrorTypeNotSupported, "spec.restartPolicy"},
		{"dns policy", func(s *corev1.PodSpec) { s.DNSPolicy = "Custom" }, field.ErrorTypeNotSupported, "spec.dnsPolicy"},
		{"dns None without nameservers", func(s *corev1.PodSpec) { s.DNSPolicy = corev1.DNSNone }, field.ErrorTypeRequired, "spec.dnsConfig.nameservers"},
		{"probe without handler", func(s *corev1.PodSpec) {
			s.Containers[0].LivenessProbe.HTTPGet = nil
		}, field.ErrorTypeRequired, "spec.containers[0].livenessProbe"},
		{"liveness success threshold", func(s *corev1.PodSpec) {
			s.Containers[0].LivenessProbe.SuccessThreshold = 2
		}, field.ErrorTypeInvalid, "spec.containers[0].livenessProbe.successThreshold"},
		{"readiness probe on init container", func(s *corev1.PodSpec) {
			s.InitContainers[0].ReadinessProbe = s.Containers[0].LivenessProbe
		}, field.ErrorTypeForbidden, "spec.initContainers[0].readinessProbe"},
		{"node selector label", func(s *corev1.PodSpec) { s.NodeSelector = map[string]string{"bad key!": "x"} }, field.ErrorTypeInvalid, "spec.nodeSelector"},
		{"toleration Exists with value", func(s *corev1.PodSpec) { s.Tolerations[0].Value = "v" }, field.ErrorTypeInvalid, "spec.tolerations[0].operator"},
		{"toleration seconds without NoExecute", func(s *corev1.PodSpec) {
			s.Tolerations[0].TolerationSeconds = ptr(int64(5))
		}, field.ErrorTypeInvalid, "spec.tolerations[0].effect"},
		{"affinity with no terms", func(s *corev1.PodSpec) {
			s.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{}}}
		}, field.ErrorTypeRequired, "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms"},
		{"pod affinity without topology key", func(s *corev1.PodSpec) {
			s.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{}}}}
		}, field.ErrorTypeRequired, "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey"},
		{"host network port mismatch", func(s *corev1.PodSpec) {
			s.HostNetwork = true
			s.Containers[0].Ports[0].HostPort = 81
		}, field.ErrorTypeInvalid, "spec.containers[0].ports[0].hostPort"},
		{"active deadline zero", func(s *corev1.PodSpec) { s.ActiveDeadlineSeconds = ptr(int64(0)) }, field.ErrorTypeInvalid, "spec.activeDeadlineSeconds"},
		{"pull policy", func(s *corev1.PodSpec) { s.Containers[0].ImagePullPolicy = "Sometimes" }, field.ErrorTypeNotSupported, "spec.containers[0].imagePullPolicy"},
		{"configMap volume without name", func(s *corev1.PodSpec) {
			s.Volumes[0].EmptyDir = nil
			s.Volumes[0].ConfigMap = &corev1.ConfigMapVolumeSource{}
		}, field.ErrorTypeRequired, "spec.volumes[0].configMap.name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec := validSpec()
			c.mutate(spec)
			errs := ValidatePodSpec(spec, &metav1.ObjectMeta{}, field.NewPath("spec"))
			if !hasError(errs, c.typ, c.path) {
				t.Fatalf("want %s at %s, got %v", c.typ, c.path, errs)
			}
		})
	}
}

func hasError(errs field.ErrorList, typ field.ErrorType, path string) bool {
	for _, e := range errs {
		if e.Type == typ && e.Field == path {
			return true
		}
	}
	return false
}

func TestValidatePodTemplateSpec(t *testing.T) {
	tmpl := &corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
		Spec:       *validSpec(),
	}
	if errs := ValidatePodTemplateSpec(tmpl, field.NewPath("spec", "template")); len(errs) > 0 {
		t.Fatalf("valid template refused: %v", errs)
	}
	tmpl.Labels["app"] = "not valid!"
	tmpl.Spec.Containers[0].Image = ""
	errs := ValidatePodTemplateSpec(tmpl, field.NewPath("spec", "template"))
	if !hasError(errs, field.ErrorTypeInvalid, "spec.template.metadata.labels") {
		t.Errorf("bad label not reported: %v", errs)
	}
	if !hasError(errs, field.ErrorTypeRequired, "spec.template.spec.containers[0].image") {
		t.Errorf("missing image not reported: %v", errs)
	}
}

func TestValidatePodSpecUpdate(t *testing.T) {
	cases := []struct {
		name    string
		mutate  func(*corev1.PodSpec)
		wantErr string // field path of the expected error, "" for none
	}{
		{"image change", func(s *corev1.PodSpec) { s.Containers[0].Image = "nginx:1.26" }, ""},
		{"init image change", func(s *corev1.PodSpec) { s.InitContainers[0].Image = "busybox:2" }, ""},
		{"toleration added", func(s *corev1.PodSpec) {
			s.Tolerations = append(s.Tolerations, corev1.Toleration{Key: "x", Operator: corev1.TolerationOpExists})
		}, ""},
		{"deadline set", func(s *corev1.PodSpec) { s.ActiveDeadlineSeconds = ptr(int64(60)) }, ""},
		{"toleration removed", func(s *corev1.PodSpec) { s.Tolerations = nil }, "spec.tolerations[0]"},
		{"env change", func(s *corev1.PodSpec) { s.Containers[0].Env[0].Value = "y" }, "spec"},
		{"node selector change", func(s *corev1.PodSpec) { s.NodeSelector = nil }, "spec"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			old := validSpec()
			spec := old.DeepCopy()
			c.mutate(spec)
			errs := ValidatePodSpecUpdate(spec, old, field.NewPath("spec"))
			if c.wantErr == "" {
				if len(errs) > 0 {
					t.Fatalf("allowed update refused: %v", errs)
				}
				return
			}
			if !hasError(errs, field.ErrorTypeForbidden, c.wantErr) {
				t.Fatalf("want Forbidden at %s, got %v", c.wantErr, errs)
			}
		})
	}
}

func TestPodUpdateMessage(t *testing.T) {
	old := validSpec()
	spec := old.DeepCopy()
	spec.Containers[0].Name = "other"
	errs := ValidatePodSpecUpdate(spec, old, field.NewPath("spec"))
	if len(errs) != 1 || !strings.Contains(errs[0].Detail, "pod updates may not change fields other than `spec.containers[*].image`") {
		t.Fatalf("want Kubernetes' message, got %v", errs)
	}
}

func TestDeadlineMayOnlyShrink(t *testing.T) {
	old := validSpec()
	old.ActiveDeadlineSeconds = ptr(int64(60))
	spec := old.DeepCopy()
	spec.ActiveDeadlineSeconds = ptr(int64(120))
	if errs := ValidatePodSpecUpdate(spec, old, field.NewPath("spec")); !hasError(errs, field.ErrorTypeInvalid, "spec.activeDeadlineSeconds") {
		t.Fatalf("raised deadline accepted: %v", errs)
	}
	spec.ActiveDeadlineSeconds = ptr(int64(30))
	if errs := ValidatePodSpecUpdate(spec, old, field.NewPath("spec")); len(errs) > 0 {
		t.Fatalf("lowered deadline refused: %v", errs)
	}
}

func TestQOSClass(t *testing.T) {
	res := func(req, lim corev1.ResourceList) corev1.ResourceRequirements {
		return corev1.ResourceRequirements{Requests: req, Limits: lim}
	}
	both := corev1.ResourceList{"cpu": resource.MustParse("1"), "memory": resource.MustParse("1Gi")}
	cases := []struct {
		name string
		r    corev1.ResourceRequirements
		want corev1.PodQOSClass
	}{
		{"nothing", res(nil, nil), corev1.PodQOSBestEffort},
		{"equal requests and limits", res(both, both), corev1.PodQOSGuaranteed},
		{"requests only", res(both, nil), corev1.PodQOSBurstable},
		{"cpu limit only", res(nil, corev1.ResourceList{"cpu": resource.MustParse("1")}), corev1.PodQOSBurstable},
		{"only extended resource", res(nil, corev1.ResourceList{"example.com/gpu": resource.MustParse("1")}), corev1.PodQOSBestEffort},
	}
	for _, c := range cases {
		spec := &corev1.PodSpec{Containers: []corev1.Container{{Name: "a", Resources: c.r}}}
		if got := QOSClass(spec); got != c.want {
			t.Errorf("%s: QOSClass = %s, want %s", c.name, got, c.want)
		}
	}
}
