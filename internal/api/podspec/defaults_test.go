package podspec

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestDefaultPodSpec(t *testing.T) {
	spec := &corev1.PodSpec{
		InitContainers: []corev1.Container{{Name: "init", Image: "busybox:1.36"}},
		Containers: []corev1.Container{{
			Name: "app", Image: "nginx",
			Ports:          []corev1.ContainerPort{{ContainerPort: 80}},
			Env:            []corev1.EnvVar{{Name: "POD", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}}},
			LivenessProbe:  &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{}}},
			ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}, PeriodSeconds: 5},
			Resources:      corev1.ResourceRequirements{Limits: corev1.ResourceList{"cpu": resource.MustParse("1")}},
		}},
		Volumes: []corev1.Volume{
			{Name: "none"},
			{Name: "cm", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{}}},
			{Name: "sec", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{}}},
			{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/x"}}},
		},
	}
	DefaultPodSpec(spec)

	checks := []struct {
		name      string
		got, want any
	}{
		{"restartPolicy", spec.RestartPolicy, corev1.RestartPolicyAlways},
		{"dnsPolicy", spec.DNSPolicy, corev1.DNSClusterFirst},
		{"grace", *spec.TerminationGracePeriodSeconds, int64(30)},
		{"scheduler", spec.SchedulerName, "default-scheduler"},
		{"securityContext set", spec.SecurityContext != nil, true},
		{"init pull policy", spec.InitContainers[0].ImagePullPolicy, corev1.PullIfNotPresent},
		{"init termination path", spec.InitContainers[0].TerminationMessagePath, "/dev/termination-log"},
		{"app pull policy", spec.Containers[0].ImagePullPolicy, corev1.PullAlways},
		{"termination policy", spec.Containers[0].TerminationMessagePolicy, corev1.TerminationMessageReadFile},
		{"port protocol", spec.Containers[0].Ports[0].Protocol, corev1.ProtocolTCP},
		{"fieldRef apiVersion", spec.Containers[0].Env[0].ValueFrom.FieldRef.APIVersion, "v1"},
		{"liveness timeout", spec.Containers[0].LivenessProbe.TimeoutSeconds, int32(1)},
		{"liveness period", spec.Containers[0].LivenessProbe.PeriodSeconds, int32(10)},
		{"liveness success", spec.Containers[0].LivenessProbe.SuccessThreshold, int32(1)},
		{"liveness failure", spec.Containers[0].LivenessProbe.FailureThreshold, int32(3)},
		{"httpGet scheme", spec.Containers[0].LivenessProbe.HTTPGet.Scheme, corev1.URISchemeHTTP},
		{"httpGet path", spec.Containers[0].LivenessProbe.HTTPGet.Path, "/"},
		{"readiness keeps period", spec.Containers[0].ReadinessProbe.PeriodSeconds, int32(5)},
		{"empty volume is emptyDir", spec.Volumes[0].EmptyDir != nil, true},
		{"configMap mode", *spec.Volumes[1].ConfigMap.DefaultMode, int32(0o644)},
		{"secret mode", *spec.Volumes[2].Secret.DefaultMode, int32(0o644)},
		{"hostPath type", *spec.Volumes[3].HostPath.Type, corev1.HostPathUnset},
		// Templates keep their resources as written: requests from limits is pod-only.
		{"no requests in template", len(spec.Containers[0].Resources.Requests), 0},
		{"no service links in template", spec.EnableServiceLinks == nil, true},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestDefaultPodOnly(t *testing.T) {
	spec := &corev1.PodSpec{
		HostNetwork: true,
		Containers: []corev1.Container{{
			Name: "app", Image: "nginx",
			Ports: []corev1.ContainerPort{{ContainerPort: 8080}},
			Resources: corev1.ResourceRequirements{
				Limits:   corev1.ResourceList{"cpu": resource.MustParse("1"), "memory": resource.MustParse("1Gi")},
				Requests: corev1.ResourceList{"cpu": resource.MustParse("500m")},
			},
		}},
	}
	DefaultPodOnly(spec)
	c := spec.Containers[0]
	if q := c.Resources.Requests["memory"]; q.String() != "1Gi" {
		t.Errorf("memory request = %s, want 1Gi from the limit", q.String())
	}
	if q := c.Resources.Requests["cpu"]; q.String() != "500m" {
		t.Errorf("cpu request = %s, want the given 500m", q.String())
	}
	if spec.EnableServiceLinks == nil || !*spec.EnableServiceLinks {
		t.Errorf("enableServiceLinks = %v, want true", spec.EnableServiceLinks)
	}
	if c.Ports[0].HostPort != 8080 {
		t.Errorf("hostPort = %d, want containerPort with hostNetwork", c.Ports[0].HostPort)
	}
}

func TestDefaultPullPolicy(t *testing.T) {
	cases := map[string]corev1.PullPolicy{
		"nginx":                          corev1.PullAlways,
		"nginx:latest":                   corev1.PullAlways,
		"nginx:1.25":                     corev1.PullIfNotPresent,
		"localhost:5000/app":             corev1.PullAlways,
		"localhost:5000/app:v1":          corev1.PullIfNotPresent,
		"registry/app@sha256:abcdef0123": corev1.PullIfNotPresent,
	}
	for image, want := range cases {
		if got := defaultPullPolicy(image); got != want {
			t.Errorf("defaultPullPolicy(%q) = %s, want %s", image, got, want)
		}
	}
}
