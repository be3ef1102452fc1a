package openapi

import (
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	certificatesv1 "k8s.io/api/certificates/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	eventsv1 "k8s.io/api/events/v1"
	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	networkingv1 "k8s.io/api/networking/v1"
	nodev1 "k8s.io/api/node/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
)

// kindOf looks up the registered kind of obj in client-go's scheme, so the
// fixture cannot disagree with the real API about kinds.
func kindOf(t testing.TB, obj runtime.Object) schema.GroupVersionKind {
	t.Helper()
	gvks, _, err := scheme.Scheme.ObjectKinds(obj)
	if err != nil || len(gvks) == 0 {
		t.Fatalf("kind of %T: %v", obj, err)
	}
	return gvks[0]
}

func res(t testing.TB, resource string, namespaced bool, obj, list runtime.Object, subs ...Subresource) Resource {
	r := Resource{GVK: kindOf(t, obj), Resource: resource, Namespaced: namespaced, Object: obj, List: list,
		Subresources: subs}
	if list != nil {
		r.ListGVK = kindOf(t, list)
	}
	return r
}

func status(t testing.TB, obj runtime.Object) Subresource {
	return Subresource{Name: "status", GVK: kindOf(t, obj), Object: obj}
}

func scale(t testing.TB) Subresource {
	return Subresource{Name: "scale", GVK: kindOf(t, &autoscalingv1.Scale{}), Object: &autoscalingv1.Scale{}}
}

// testResources is a cluster-sized set of built-in resources (~60).
func testResources(t testing.TB) []Resource {
	return []Resource{
		res(t, "pods", true, &corev1.Pod{}, &corev1.PodList{}, status(t, &corev1.Pod{}),
			Subresource{Name: "binding", GVK: kindOf(t, &corev1.Binding{}), Object: &corev1.Binding{}},
			Subresource{Name: "eviction", GVK: kindOf(t, &policyv1.Eviction{}), Object: &policyv1.Eviction{}},
			Subresource{Name: "ephemeralcontainers", GVK: kindOf(t, &corev1.Pod{}), Object: &corev1.Pod{}},
			Subresource{Name: "log"}, Subresource{Name: "exec"}, Subresource{Name: "attach"},
			Subresource{Name: "portforward"}, Subresource{Name: "proxy"}),
		res(t, "services", true, &corev1.Service{}, &corev1.ServiceList{}, status(t, &corev1.Service{})),
		res(t, "endpoints", true, &corev1.Endpoints{}, &corev1.EndpointsList{}),
		res(t, "configmaps", true, &corev1.ConfigMap{}, &corev1.ConfigMapList{}),
		res(t, "secrets", true, &corev1.Secret{}, &corev1.SecretList{}),
		res(t, "serviceaccounts", true, &corev1.ServiceAccount{}, &corev1.ServiceAccountList{},
			Subresource{Name: "token", GVK: kindOf(t, &authenticationv1.TokenRequest{}), Object: &authenticationv1.TokenRequest{}}),
		res(t, "namespaces", false, &corev1.Namespace{}, &corev1.NamespaceList{}, status(t, &corev1.Namespace{}),
			Subresource{Name: "finalize", GVK: kindOf(t, &corev1.Namespace{}), Object: &corev1.Namespace{}}),
		res(t, "nodes", false, &corev1.Node{}, &corev1.NodeList{}, status(t, &corev1.Node{})),
		res(t, "events", true, &corev1.Event{}, &corev1.EventList{}),
		res(t, "persistentvolumes", false, &corev1.PersistentVolume{}, &corev1.PersistentVolumeList{}, status(t, &corev1.PersistentVolume{})),
		res(t, "persistentvolumeclaims", true, &corev1.PersistentVolumeClaim{}, &corev1.PersistentVolumeClaimList{}, status(t, &corev1.PersistentVolumeClaim{})),
		res(t, "replicationcontrollers", true, &corev1.ReplicationController{}, &corev1.ReplicationControllerList{}, status(t, &corev1.ReplicationController{}), scale(t)),
		res(t, "resourcequotas", true, &corev1.ResourceQuota{}, &corev1.ResourceQuotaList{}, status(t, &corev1.ResourceQuota{})),
		res(t, "limitranges", true, &corev1.LimitRange{}, &corev1.LimitRangeList{}),
		res(t, "podtemplates", true, &corev1.PodTemplate{}, &corev1.PodTemplateList{}),
		res(t, "componentstatuses", false, &corev1.ComponentStatus{}, &corev1.ComponentStatusList{}),
		res(t, "deployments", true, &appsv1.Deployment{}, &appsv1.DeploymentList{}, status(t, &appsv1.Deployment{}), scale(t)),
		res(t, "replicasets", true, &appsv1.ReplicaSet{}, &appsv1.ReplicaSetList{}, status(t, &appsv1.ReplicaSet{}), scale(t)),
		res(t, "statefulsets", true, &appsv1.StatefulSet{}, &appsv1.StatefulSetList{}, status(t, &appsv1.StatefulSet{}), scale(t)),
		res(t, "daemonsets", true, &appsv1.DaemonSet{}, &appsv1.DaemonSetList{}, status(t, &appsv1.DaemonSet{})),
		res(t, "controllerrevisions", true, &appsv1.ControllerRevision{}, &appsv1.ControllerRevisionList{}),
		res(t, "jobs", true, &batchv1.Job{}, &batchv1.JobList{}, status(t, &batchv1.Job{})),
		res(t, "cronjobs", true, &batchv1.CronJob{}, &batchv1.CronJobList{}, status(t, &batchv1.CronJob{})),
		res(t, "horizontalpodautoscalers", true, &autoscalingv2.HorizontalPodAutoscaler{}, &autoscalingv2.HorizontalPodAutoscalerList{}, status(t, &autoscalingv2.HorizontalPodAutoscaler{})),
		res(t, "horizontalpodautoscalers", true, &autoscalingv1.HorizontalPodAutoscaler{}, &autoscalingv1.HorizontalPodAutoscalerList{}, status(t, &autoscalingv1.HorizontalPodAutoscaler{})),
		res(t, "ingresses", true, &networkingv1.Ingress{}, &networkingv1.IngressList{}, status(t, &networkingv1.Ingress{})),
		res(t, "ingressclasses", false, &networkingv1.IngressClass{}, &networkingv1.IngressClassList{}),
		res(t, "networkpolicies", true, &networkingv1.NetworkPolicy{}, &networkingv1.NetworkPolicyList{}),
		res(t, "roles", true, &rbacv1.Role{}, &rbacv1.RoleList{}),
		res(t, "rolebindings", true, &rbacv1.RoleBinding{}, &rbacv1.RoleBindingList{}),
		res(t, "clusterroles", false, &rbacv1.ClusterRole{}, &rbacv1.ClusterRoleList{}),
		res(t, "clusterrolebindings", false, &rbacv1.ClusterRoleBinding{}, &rbacv1.ClusterRoleBindingList{}),
		res(t, "storageclasses", false, &storagev1.StorageClass{}, &storagev1.StorageClassList{}),
		res(t, "csidrivers", false, &storagev1.CSIDriver{}, &storagev1.CSIDriverList{}),
		res(t, "csinodes", false, &storagev1.CSINode{}, &storagev1.CSINodeList{}),
		res(t, "volumeattachments", false, &storagev1.VolumeAttachment{}, &storagev1.VolumeAttachmentList{}, status(t, &storagev1.VolumeAttachment{})),
		res(t, "csistoragecapacities", true, &storagev1.CSIStorageCapacity{}, &storagev1.CSIStorageCapacityList{}),
		res(t, "leases", true, &coordinationv1.Lease{}, &coordinationv1.LeaseList{}),
		res(t, "endpointslices", true, &discoveryv1.EndpointSlice{}, &discoveryv1.EndpointSliceList{}),
		res(t, "events", true, &eventsv1.Event{}, &eventsv1.EventList{}),
		res(t, "poddisruptionbudgets", true, &policyv1.PodDisruptionBudget{}, &policyv1.PodDisruptionBudgetList{}, status(t, &policyv1.PodDisruptionBudget{})),
		res(t, "priorityclasses", false, &schedulingv1.PriorityClass{}, &schedulingv1.PriorityClassList{}),
		res(t, "runtimeclasses", false, &nodev1.RuntimeClass{}, &nodev1.RuntimeClassList{}),
		res(t, "certificatesigningrequests", false, &certificatesv1.CertificateSigningRequest{}, &certificatesv1.CertificateSigningRequestList{},
			status(t, &certificatesv1.CertificateSigningRequest{}),
			Subresource{Name: "approval", GVK: kindOf(t, &certificatesv1.CertificateSigningRequest{}), Object: &certificatesv1.CertificateSigningRequest{}}),
		res(t, "validatingwebhookconfigurations", false, &admissionregistrationv1.ValidatingWebhookConfiguration{}, &admissionregistrationv1.ValidatingWebhookConfigurationList{}),
		res(t, "mutatingwebhookconfigurations", false, &admissionregistrationv1.MutatingWebhookConfiguration{}, &admissionregistrationv1.MutatingWebhookConfigurationList{}),
		res(t, "validatingadmissionpolicies", false, &admissionregistrationv1.ValidatingAdmissionPolicy{}, &admissionregistrationv1.ValidatingAdmissionPolicyList{}, status(t, &admissionregistrationv1.ValidatingAdmissionPolicy{})),
		res(t, "validatingadmissionpolicybindings", false, &admissionregistrationv1.ValidatingAdmissionPolicyBinding{}, &admissionregistrationv1.ValidatingAdmissionPolicyBindingList{}),
		res(t, "flowschemas", false, &flowcontrolv1.FlowSchema{}, &flowcontrolv1.FlowSchemaList{}, status(t, &flowcontrolv1.FlowSchema{})),
		res(t, "prioritylevelconfigurations", false, &flowcontrolv1.PriorityLevelConfiguration{}, &flowcontrolv1.PriorityLevelConfigurationList{}, status(t, &flowcontrolv1.PriorityLevelConfiguration{})),
		res(t, "tokenreviews", false, &authenticationv1.TokenReview{}, nil),
		res(t, "selfsubjectreviews", false, &authenticationv1.SelfSubjectReview{}, nil),
		res(t, "subjectaccessreviews", false, &authorizationv1.SubjectAccessReview{}, nil),
		res(t, "selfsubjectaccessreviews", false, &authorizationv1.SelfSubjectAccessReview{}, nil),
		res(t, "selfsubjectrulesreviews", false, &authorizationv1.SelfSubjectRulesReview{}, nil),
		res(t, "localsubjectaccessreviews", true, &authorizationv1.LocalSubjectAccessReview{}, nil),
	}
}
