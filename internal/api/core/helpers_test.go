package core

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func mustQ(s string) resource.Quantity { return resource.MustParse(s) }

func hasError(errs field.ErrorList, typ field.ErrorType, path string) bool {
	for _, e := range errs {
		if e.Type == typ && e.Field == path {
			return true
		}
	}
	return false
}

// create runs the hooks the server runs on create: Default, PrepareForCreate
// then Validate.
func create(t *testing.T, resource string, obj runtime.Object) field.ErrorList {
	t.Helper()
	k := kindOf(t, resource)
	if k.Default != nil {
		k.Default(obj)
	}
	if k.PrepareForCreate != nil {
		k.PrepareForCreate(obj)
	}
	return k.Validate(obj)
}

// update runs Default, PrepareForUpdate and ValidateUpdate.
func update(t *testing.T, resource string, obj, old runtime.Object) field.ErrorList {
	t.Helper()
	k := kindOf(t, resource)
	if k.Default != nil {
		k.Default(obj)
	}
	if k.PrepareForUpdate != nil {
		k.PrepareForUpdate(obj, old)
	}
	return k.ValidateUpdate(obj, old)
}

func om(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: "default", ResourceVersion: "1"}
}

func runningPod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", CreationTimestamp: metav1.Now()},
		Spec: corev1.PodSpec{
			NodeName:       "n1",
			Containers:     []corev1.Container{{Name: "app", Image: "nginx"}},
			ReadinessGates: []corev1.PodReadinessGate{{ConditionType: "example.com/ready"}},
		},
		Status: corev1.PodStatus{
			Phase:  corev1.PodRunning,
			PodIPs: []corev1.PodIP{{IP: "10.42.0.5"}},
			ContainerStatuses: []corev1.ContainerStatus{{
				Name: "app", Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}},
			}},
		},
	}
}

func loadBalancer() *corev1.Service {
	return &corev1.Service{
		ObjectMeta: om("lb"),
		Spec: corev1.ServiceSpec{
			Type: corev1.ServiceTypeLoadBalancer, ClusterIP: "10.43.0.9", ClusterIPs: []string{"10.43.0.9"},
			Ports:    []corev1.ServicePort{{Port: 80, NodePort: 30080, Protocol: "TCP"}, {Port: 53, Protocol: "UDP"}},
			Selector: map[string]string{"app": "web"},
		},
		Status: corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{Ingress: []corev1.LoadBalancerIngress{{IP: "1.2.3.4"}}}},
	}
}

func readyNode() *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "n1", Labels: map[string]string{
			"node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/worker": ""}},
		Spec: corev1.NodeSpec{Unschedulable: true},
		Status: corev1.NodeStatus{
			Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}},
			Addresses:  []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "192.168.1.2"}},
			NodeInfo:   corev1.NodeSystemInfo{KubeletVersion: "v1.32.0", OSImage: "Debian 12"},
		},
	}
}
