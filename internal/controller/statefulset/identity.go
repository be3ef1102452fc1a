package statefulset

import (
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"rudder/internal/controller/ctrlutil"
)

// Labels the controller puts on every pod, as Kubernetes does.
const (
	podNameLabel  = appsv1.StatefulSetPodNameLabel // statefulset.kubernetes.io/pod-name
	podIndexLabel = appsv1.PodIndexLabel           // apps.kubernetes.io/pod-index
	revisionLabel = appsv1.ControllerRevisionHashLabelKey
)

var controllerKind = appsv1.SchemeGroupVersion.WithKind("StatefulSet")

// podName is the stable name of the pod with the given ordinal.
func podName(set *appsv1.StatefulSet, ordinal int) string {
	return set.Name + "-" + strconv.Itoa(ordinal)
}

// ordinalOf parses "<set>-<ordinal>"; ok is false for pods not named
// like a member of set.
func ordinalOf(set *appsv1.StatefulSet, name string) (int, bool) {
	rest, found := strings.CutPrefix(name, set.Name+"-")
	if !found || rest == "" || (len(rest) > 1 && rest[0] == '0') {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// startOrdinal is spec.ordinals.start (0 when unset).
func startOrdinal(set *appsv1.StatefulSet) int {
	if set.Spec.Ordinals != nil {
		return int(set.Spec.Ordinals.Start)
	}
	return 0
}

func replicas(set *appsv1.StatefulSet) int {
	if set.Spec.Replicas == nil {
		return 1
	}
	return int(*set.Spec.Replicas)
}

// claimName is the PVC of template for the pod with ordinal.
func claimName(tmpl string, set *appsv1.StatefulSet, ordinal int) string {
	return tmpl + "-" + podName(set, ordinal)
}

// newPod builds the pod with ordinal from template (the template of the
// revision the pod is to have): stable name, hostname, subdomain, identity
// labels and its claims mounted in place of the template's volumes.
func newPod(set *appsv1.StatefulSet, tmpl *corev1.PodTemplateSpec, rev string, ordinal int) (*corev1.Pod, error) {
	pod, err := ctrlutil.PodFromTemplate(tmpl, set, ctrlutil.NewControllerRef(set, controllerKind))
	if err != nil {
		return nil, err
	}
	pod.GenerateName = ""
	pod.Name = podName(set, ordinal)
	if pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	pod.Labels[podNameLabel] = pod.Name
	pod.Labels[podIndexLabel] = strconv.Itoa(ordinal)
	pod.Labels[revisionLabel] = rev
	pod.Spec.Hostname = pod.Name
	pod.Spec.Subdomain = set.Spec.ServiceName
	mountClaims(set, pod, ordinal)
	return pod, nil
}

// mountClaims points a volume per claim template at the pod's own PVC,
// replacing a template volume of the same name.
func mountClaims(set *appsv1.StatefulSet, pod *corev1.Pod, ordinal int) {
	for _, ct := range set.Spec.VolumeClaimTemplates {
		v := corev1.Volume{Name: ct.Name, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claimName(ct.Name, set, ordinal)},
		}}
		replaced := false
		for i := range pod.Spec.Volumes {
			if pod.Spec.Volumes[i].Name == ct.Name {
				pod.Spec.Volumes[i], replaced = v, true
			}
		}
		if !replaced {
			pod.Spec.Volumes = append(pod.Spec.Volumes, v)
		}
	}
}

// identityPatch returns the labels a pod misses from its identity (after
// adoption, or if someone removed them), or nil.
func identityPatch(pod *corev1.Pod, ordinal int) map[string]string {
	want := map[string]string{podNameLabel: pod.Name, podIndexLabel: strconv.Itoa(ordinal)}
	out := map[string]string{}
	for k, v := range want {
		if pod.Labels[k] != v {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// podRevision is the revision name a pod was created from.
func podRevision(p metav1.Object) string { return p.GetLabels()[revisionLabel] }
