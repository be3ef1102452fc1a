package core

import (
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
)

func nodeKind() *api.Kind {
	return api.Def[*corev1.Node, *corev1.NodeList]{
		Version: coreVersion, Kind: "Node",
		Resource: "nodes", Singular: "node",
		ShortNames:         []string{"no"},
		Subresources:       []string{"status", "proxy"},
		KeepStatusOnCreate: true,
		New:                func() *corev1.Node { return &corev1.Node{} },
		NewList:            func() *corev1.NodeList { return &corev1.NodeList{} },
		Default:            defaultNode,
		Validate:           validateNode,
		ValidateUpdate:     validateNodeUpdate,
		Columns:            nodeColumns,
		Row:                nodeRow,
		Fields: func(n *corev1.Node) fields.Set {
			return fields.Set{"spec.unschedulable": strconv.FormatBool(n.Spec.Unschedulable)}
		},
	}.Build()
}

// defaultNode: a node that reports no allocatable resources can use all of
// its capacity.
func defaultNode(n *corev1.Node) {
	if n.Status.Allocatable == nil && n.Status.Capacity != nil {
		n.Status.Allocatable = n.Status.Capacity.DeepCopy()
	}
}

func validateNode(n *corev1.Node) field.ErrorList {
	errs := validateMeta(n, false, apivalidation.NameIsDNSSubdomain)
	sp := field.NewPath("spec")
	errs = append(errs, validatePodCIDRs(n.Spec, sp)...)
	errs = append(errs, validateTaints(n.Spec.Taints, sp.Child("taints"))...)
	return errs
}

func validatePodCIDRs(s corev1.NodeSpec, sp *field.Path) field.ErrorList {
	var errs field.ErrorList
	if s.PodCIDR != "" {
		errs = append(errs, validation.IsValidCIDR(sp.Child("podCIDR"), s.PodCIDR)...)
	}
	if len(s.PodCIDRs) > 2 {
		errs = append(errs, field.Invalid(sp.Child("podCIDRs"), s.PodCIDRs, "may specify no more than one CIDR for each IP family"))
	}
	for i, c := range s.PodCIDRs {
		errs = append(errs, validation.IsValidCIDR(sp.Child("podCIDRs").Index(i), c)...)
	}
	if len(s.PodCIDRs) > 0 && s.PodCIDR != s.PodCIDRs[0] {
		errs = append(errs, field.Invalid(sp.Child("podCIDRs").Index(0), s.PodCIDRs[0], "must match `podCIDR`"))
	}
	return errs
}

var taintEffects = []string{"NoExecute", "NoSchedule", "PreferNoSchedule"}

func validateTaints(taints []corev1.Taint, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := sets.New[string]()
	for i, t := range taints {
		ip := p.Index(i)
		errs = append(errs, metav1validation.ValidateLabelName(t.Key, ip.Child("key"))...)
		for _, msg := range validation.IsValidLabelValue(t.Value) {
			errs = append(errs, field.Invalid(ip.Child("value"), t.Value, msg))
		}
		switch t.Effect {
		case corev1.TaintEffectNoExecute, corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule:
		case "":
			errs = append(errs, field.Required(ip.Child("effect"), ""))
		default:
			errs = append(errs, field.NotSupported(ip.Child("effect"), t.Effect, taintEffects))
		}
		key := t.Key + "/" + string(t.Effect)
		if seen.Has(key) {
			errs = append(errs, field.Duplicate(ip, "taints must be unique by key and effect pair"))
		}
		seen.Insert(key)
	}
	return errs
}

// validateNodeUpdate: pod CIDRs and the provider ID may only be set once;
// the rest of the spec (taints, unschedulable...) is free.
func validateNodeUpdate(n, old *corev1.Node) field.ErrorList {
	errs := validateMetaUpdate(n, old)
	errs = append(errs, validateNode(n)...)
	sp := field.NewPath("spec")
	if len(old.Spec.PodCIDRs) > 0 && !apiequality.Semantic.DeepEqual(n.Spec.PodCIDRs, old.Spec.PodCIDRs) {
		errs = append(errs, field.Forbidden(sp.Child("podCIDRs"), "node updates may not change podCIDR except from \"\" to valid"))
	}
	if old.Spec.ProviderID != "" && n.Spec.ProviderID != old.Spec.ProviderID {
		errs = append(errs, field.Forbidden(sp.Child("providerID"), "node updates may not change providerID except from \"\" to valid"))
	}
	return errs
}

var nodeColumns = []metav1.TableColumnDefinition{
	nameColumn,
	{Name: "Status", Type: "string", Description: "The status of the node"},
	{Name: "Roles", Type: "string", Description: "The roles of the node"},
	ageColumn,
	{Name: "Version", Type: "string", Description: "Kubelet Version reported by the node."},
	{Name: "Internal-IP", Type: "string", Priority: 1, Description: "List of addresses reachable to the node. Queried from cloud provider, if available."},
	{Name: "External-IP", Type: "string", Priority: 1, Description: "List of addresses reachable to the node. Queried from cloud provider, if available."},
	{Name: "OS-Image", Type: "string", Priority: 1, Description: "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy))."},
	{Name: "Kernel-Version", Type: "string", Priority: 1, Description: "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."},
	{Name: "Container-Runtime", Type: "string", Priority: 1, Description: "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2)."},
}

func nodeRow(n *corev1.Node) []any {
	info := n.Status.NodeInfo
	return []any{
		n.Name, nodeStatus(n), nodeRoles(n), since(n.CreationTimestamp), info.KubeletVersion,
		nodeAddress(n, corev1.NodeInternalIP), nodeAddress(n, corev1.NodeExternalIP),
		orUnknown(info.OSImage), orUnknown(info.KernelVersion), orUnknown(info.ContainerRuntimeVersion),
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "<unknown>"
	}
	return s
}

// nodeStatus is Ready, NotReady or Unknown from the Ready condition, with
// SchedulingDisabled added for a cordoned node.
func nodeStatus(n *corev1.Node) string {
	var status []string
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			if c.Status == corev1.ConditionTrue {
				status = append(status, "Ready")
			} else {
				status = append(status, "NotReady")
			}
		}
	}
	if len(status) == 0 {
		status = append(status, "Unknown")
	}
	if n.Spec.Unschedulable {
		status = append(status, "SchedulingDisabled")
	}
	return strings.Join(status, ",")
}

// nodeRoles reads node-role.kubernetes.io/<role> labels and the older
// kubernetes.io/role label.
func nodeRoles(n *corev1.Node) string {
	roles := sets.New[string]()
	for k, v := range n.Labels {
		switch {
		case strings.HasPrefix(k, "node-role.kubernetes.io/"):
			if role := strings.TrimPrefix(k, "node-role.kubernetes.io/"); role != "" {
				roles.Insert(role)
			}
		case k == "kubernetes.io/role" && v != "":
			roles.Insert(v)
		}
	}
	if roles.Len() == 0 {
		return "<none>"
	}
	list := roles.UnsortedList()
	sort.Strings(list)
	return strings.Join(list, ",")
}

func nodeAddress(n *corev1.Node, t corev1.NodeAddressType) string {
	for _, a := range n.Status.Addresses {
		if a.Type == t {
			return a.Address
		}
	}
	return "<none>"
}
