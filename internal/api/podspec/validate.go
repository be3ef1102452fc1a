package podspec

import (
	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ValidatePodSpec checks spec as Kubernetes does for pods and templates.
// meta is the owning object's metadata; it may be nil and is accepted so
// that checks depending on annotations can be added without changing callers.
func ValidatePodSpec(spec *corev1.PodSpec, meta *metav1.ObjectMeta, path *field.Path) field.ErrorList {
	_ = meta
	volumes, errs := validateVolumes(spec.Volumes, path.Child("volumes"))
	pc := &podContext{
		volumes:     volumes,
		names:       sets.New[string](),
		hostNetwork: spec.HostNetwork,
		hostPorts:   sets.New[string](),
	}
	errs = append(errs, validateContainers(spec.InitContainers, initContainer, pc, path.Child("initContainers"))...)
	if len(spec.Containers) == 0 {
		errs = append(errs, field.Required(path.Child("containers"), ""))
	}
	errs = append(errs, validateContainers(spec.Containers, appContainer, pc, path.Child("containers"))...)
	errs = append(errs, validateEphemeralContainers(spec.EphemeralContainers, pc, path.Child("ephemeralContainers"))...)
	errs = append(errs, validateRestartPolicy(spec.RestartPolicy, path.Child("restartPolicy"))...)
	errs = append(errs, validateDNS(spec, path)...)
	errs = append(errs, validateSchedulingFields(spec, path)...)
	errs = append(errs, validatePodNames(spec, path)...)
	errs = append(errs, validatePodSecurityContext(spec, path)...)
	if spec.ActiveDeadlineSeconds != nil && (*spec.ActiveDeadlineSeconds < 1 || *spec.ActiveDeadlineSeconds > 2147483647) {
		errs = append(errs, field.Invalid(path.Child("activeDeadlineSeconds"), *spec.ActiveDeadlineSeconds, validation.InclusiveRangeError(1, 2147483647)))
	}
	if spec.OS != nil && spec.OS.Name != corev1.Linux && spec.OS.Name != corev1.Windows {
		errs = append(errs, field.NotSupported(path.Child("os", "name"), spec.OS.Name, []string{"linux", "windows"}))
	}
	errs = append(errs, validateHostAliases(spec.HostAliases, path.Child("hostAliases"))...)
	return errs
}

// ValidatePodTemplateSpec checks a template's labels and annotations and
// its pod spec.
func ValidatePodTemplateSpec(t *corev1.PodTemplateSpec, path *field.Path) field.ErrorList {
	if t == nil {
		return field.ErrorList{field.Required(path, "")}
	}
	mp := path.Child("metadata")
	errs := metav1validation.ValidateLabels(t.Labels, mp.Child("labels"))
	errs = append(errs, apimachineryvalidation.ValidateAnnotations(t.Annotations, mp.Child("annotations"))...)
	errs = append(errs, ValidatePodSpec(&t.Spec, &t.ObjectMeta, path.Child("spec"))...)
	if len(t.Spec.EphemeralContainers) > 0 {
		errs = append(errs, field.Forbidden(path.Child("spec", "ephemeralContainers"), "ephemeral containers not allowed in pod template"))
	}
	return errs
}

func validateEphemeralContainers(ecs []corev1.EphemeralContainer, pc *podContext, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i := range ecs {
		ip := p.Index(i)
		c := corev1.Container(ecs[i].EphemeralContainerCommon)
		errs = append(errs, validateContainer(&c, ephemeralContainer, pc, ip)...)
		if len(c.Ports) > 0 {
			errs = append(errs, field.Forbidden(ip.Child("ports"), "cannot be set for an Ephemeral Container"))
		}
		if len(c.Resources.Limits) > 0 || len(c.Resources.Requests) > 0 {
			errs = append(errs, field.Forbidden(ip.Child("resources"), "cannot be set for an Ephemeral Container"))
		}
		if t := ecs[i].TargetContainerName; t != "" && !pc.names.Has(t) {
			errs = append(errs, field.NotFound(ip.Child("targetContainerName"), t))
		}
	}
	return errs
}

func validateRestartPolicy(rp corev1.RestartPolicy, p *field.Path) field.ErrorList {
	switch rp {
	case corev1.RestartPolicyAlways, corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever:
		return nil
	case "":
		return field.ErrorList{field.Required(p, "")}
	}
	return field.ErrorList{field.NotSupported(p, rp, []string{"Always", "OnFailure", "Never"})}
}

func validateDNS(spec *corev1.PodSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	dp := p.Child("dnsPolicy")
	switch spec.DNSPolicy {
	case corev1.DNSClusterFirst, corev1.DNSClusterFirstWithHostNet, corev1.DNSDefault:
	case corev1.DNSNone:
		if spec.DNSConfig == nil || len(spec.DNSConfig.Nameservers) == 0 {
			errs = append(errs, field.Required(p.Child("dnsConfig", "nameservers"), "must provide at least one DNS nameserver when DNSPolicy is None"))
		}
	case "":
		errs = append(errs, field.Required(dp, ""))
	default:
		errs = append(errs, field.NotSupported(dp, spec.DNSPolicy, []string{"ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"}))
	}
	return append(errs, validateDNSConfig(spec.DNSConfig, p.Child("dnsConfig"))...)
}

const (
	maxDNSNameservers = 3
	maxDNSSearchPaths = 32
)

func validateDNSConfig(c *corev1.PodDNSConfig, p *field.Path) field.ErrorList {
	if c == nil {
		return nil
	}
	var errs field.ErrorList
	np := p.Child("nameservers")
	if len(c.Nameservers) > maxDNSNameservers {
		errs = append(errs, field.Invalid(np, c.Nameservers, "must not have more than 3 nameservers"))
	}
	for i, ns := range c.Nameservers {
		errs = append(errs, validation.IsValidIP(np.Index(i), ns)...)
	}
	sp := p.Child("searches")
	if len(c.Searches) > maxDNSSearchPaths {
		errs = append(errs, field.Invalid(sp, c.Searches, "must not have more than 32 search paths"))
	}
	for i, s := range c.Searches {
		if s != "." {
			errs = append(errs, dnsSubdomain(trimDot(s), sp.Index(i))...)
		}
	}
	for i, o := range c.Options {
		if o.Name == "" {
			errs = append(errs, field.Required(p.Child("options").Index(i), "Option.Name must not be empty"))
		}
	}
	return errs
}

func trimDot(s string) string {
	if len(s) > 0 && s[len(s)-1] == '.' {
		return s[:len(s)-1]
	}
	return s
}

func validateSchedulingFields(spec *corev1.PodSpec, p *field.Path) field.ErrorList {
	errs := metav1validation.ValidateLabels(spec.NodeSelector, p.Child("nodeSelector"))
	errs = append(errs, ValidateTolerations(spec.Tolerations, p.Child("tolerations"))...)
	errs = append(errs, validateAffinity(spec.Affinity, p.Child("affinity"))...)
	errs = append(errs, validateTopologySpread(spec.TopologySpreadConstraints, p.Child("topologySpreadConstraints"))...)
	errs = append(errs, validateSchedulingGates(spec.SchedulingGates, p.Child("schedulingGates"))...)
	for i, g := range spec.ReadinessGates {
		for _, msg := range validation.IsQualifiedName(string(g.ConditionType)) {
			errs = append(errs, field.Invalid(p.Child("readinessGates").Index(i).Child("conditionType"), g.ConditionType, msg))
		}
	}
	return errs
}

func validateSchedulingGates(gates []corev1.PodSchedulingGate, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := sets.New[string]()
	for i, g := range gates {
		ip := p.Index(i).Child("name")
		for _, msg := range validation.IsQualifiedName(g.Name) {
			errs = append(errs, field.Invalid(ip, g.Name, msg))
		}
		if seen.Has(g.Name) {
			errs = append(errs, field.Duplicate(ip, g.Name))
		}
		seen.Insert(g.Name)
	}
	return errs
}

// validatePodNames checks the fields that name other objects or DNS names.
func validatePodNames(spec *corev1.PodSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	optional := func(v string, child string, check func(string, *field.Path) field.ErrorList) {
		if v != "" {
			errs = append(errs, check(v, p.Child(child))...)
		}
	}
	optional(spec.ServiceAccountName, "serviceAccountName", dnsSubdomain)
	optional(spec.NodeName, "nodeName", dnsSubdomain)
	optional(spec.Hostname, "hostname", dnsLabel)
	optional(spec.Subdomain, "subdomain", dnsLabel)
	optional(spec.PriorityClassName, "priorityClassName", dnsSubdomain)
	optional(spec.SchedulerName, "schedulerName", dnsSubdomain)
	if spec.RuntimeClassName != nil {
		errs = append(errs, dnsSubdomain(*spec.RuntimeClassName, p.Child("runtimeClassName"))...)
	}
	for i, s := range spec.ImagePullSecrets {
		if s.Name != "" {
			errs = append(errs, dnsSubdomain(s.Name, p.Child("imagePullSecrets").Index(i).Child("name"))...)
		}
	}
	return errs
}

func validatePodSecurityContext(spec *corev1.PodSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	sp := p.Child("securityContext")
	if sc := spec.SecurityContext; sc != nil {
		errs = append(errs, nonNegativeID(sc.RunAsUser, sp.Child("runAsUser"))...)
		errs = append(errs, nonNegativeID(sc.RunAsGroup, sp.Child("runAsGroup"))...)
		errs = append(errs, nonNegativeID(sc.FSGroup, sp.Child("fsGroup"))...)
		for i, g := range sc.SupplementalGroups {
			errs = append(errs, nonNegativeID(&g, sp.Child("supplementalGroups").Index(i))...)
		}
	}
	if spec.ShareProcessNamespace != nil && *spec.ShareProcessNamespace && spec.HostPID {
		errs = append(errs, field.Invalid(p.Child("shareProcessNamespace"), true, "ShareProcessNamespace and HostPID cannot both be enabled"))
	}
	return errs
}

func validateHostAliases(aliases []corev1.HostAlias, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, a := range aliases {
		ip := p.Index(i)
		errs = append(errs, validation.IsValidIP(ip.Child("ip"), a.IP)...)
		for j, h := range a.Hostnames {
			errs = append(errs, dnsSubdomain(h, ip.Child("hostnames").Index(j))...)
		}
	}
	return errs
}
