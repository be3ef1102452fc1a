package podspec

import (
	"fmt"
	"path"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// containerKind says which list a container belongs to; some rules differ.
type containerKind int

const (
	appContainer containerKind = iota
	initContainer
	ephemeralContainer
)

// podContext is what container checks need to know about the whole pod.
type podContext struct {
	volumes     sets.Set[string]
	names       sets.Set[string] // container names seen so far, all lists
	hostNetwork bool
	hostPorts   sets.Set[string]
}

func validateContainers(cs []corev1.Container, kind containerKind, pc *podContext, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i := range cs {
		errs = append(errs, validateContainer(&cs[i], kind, pc, p.Index(i))...)
	}
	return errs
}

func validateContainer(c *corev1.Container, kind containerKind, pc *podContext, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, validateContainerName(c.Name, pc.names, p.Child("name"))...)
	pc.names.Insert(c.Name)
	if c.Image == "" {
		errs = append(errs, field.Required(p.Child("image"), ""))
	}
	errs = append(errs, validatePorts(c.Ports, pc, p.Child("ports"))...)
	errs = append(errs, validateEnv(c.Env, p.Child("env"))...)
	errs = append(errs, validateEnvFrom(c.EnvFrom, p.Child("envFrom"))...)
	errs = append(errs, validateVolumeMounts(c.VolumeMounts, pc.volumes, p.Child("volumeMounts"))...)
	errs = append(errs, validateResources(&c.Resources, p.Child("resources"))...)
	errs = append(errs, validatePullPolicy(c.ImagePullPolicy, p.Child("imagePullPolicy"))...)
	errs = append(errs, validateTerminationMessagePolicy(c.TerminationMessagePolicy, p.Child("terminationMessagePolicy"))...)
	errs = append(errs, validateContainerProbes(c, kind, p)...)
	errs = append(errs, validateLifecycle(c.Lifecycle, p.Child("lifecycle"))...)
	errs = append(errs, validateContainerSecurityContext(c.SecurityContext, p.Child("securityContext"))...)
	if c.RestartPolicy != nil && (kind != initContainer || *c.RestartPolicy != corev1.ContainerRestartPolicyAlways) {
		if kind == initContainer {
			errs = append(errs, field.NotSupported(p.Child("restartPolicy"), *c.RestartPolicy, []string{string(corev1.ContainerRestartPolicyAlways)}))
		} else {
			errs = append(errs, field.Forbidden(p.Child("restartPolicy"), "may not be set for non-init containers"))
		}
	}
	return errs
}

func validateContainerName(name string, seen sets.Set[string], p *field.Path) field.ErrorList {
	switch {
	case name == "":
		return field.ErrorList{field.Required(p, "")}
	case seen.Has(name):
		return field.ErrorList{field.Duplicate(p, name)}
	}
	return dnsLabel(name, p)
}

func dnsLabel(v string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Label(v) {
		errs = append(errs, field.Invalid(p, v, msg))
	}
	return errs
}

func dnsSubdomain(v string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Subdomain(v) {
		errs = append(errs, field.Invalid(p, v, msg))
	}
	return errs
}

var supportedProtocols = []string{string(corev1.ProtocolSCTP), string(corev1.ProtocolTCP), string(corev1.ProtocolUDP)}

func validateProtocol(proto corev1.Protocol, p *field.Path) field.ErrorList {
	switch proto {
	case corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP:
		return nil
	case "":
		return field.ErrorList{field.Required(p, "")}
	}
	return field.ErrorList{field.NotSupported(p, proto, supportedProtocols)}
}

func validatePorts(ports []corev1.ContainerPort, pc *podContext, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	names := sets.New[string]()
	for i, port := range ports {
		ip := p.Index(i)
		if port.Name != "" {
			for _, msg := range validation.IsValidPortName(port.Name) {
				errs = append(errs, field.Invalid(ip.Child("name"), port.Name, msg))
			}
			if names.Has(port.Name) {
				errs = append(errs, field.Duplicate(ip.Child("name"), port.Name))
			}
			names.Insert(port.Name)
		}
		errs = append(errs, validatePortNumber(port.ContainerPort, ip.Child("containerPort"))...)
		if port.HostPort != 0 {
			errs = append(errs, validatePortNumber(port.HostPort, ip.Child("hostPort"))...)
		}
		if pc.hostNetwork && port.HostPort != port.ContainerPort {
			errs = append(errs, field.Invalid(ip.Child("hostPort"), port.HostPort, "must match `containerPort` when `hostNetwork` is true"))
		}
		errs = append(errs, validateProtocol(port.Protocol, ip.Child("protocol"))...)
		if port.HostIP != "" {
			for _, msg := range validation.IsValidIP(ip.Child("hostIP"), port.HostIP) {
				errs = append(errs, msg)
			}
		}
		errs = append(errs, checkHostPortConflict(port, pc, ip)...)
	}
	return errs
}

// checkHostPortConflict refuses two containers of one pod asking for the
// same host port: only one of them could bind it.
func checkHostPortConflict(port corev1.ContainerPort, pc *podContext, p *field.Path) field.ErrorList {
	if port.HostPort == 0 {
		return nil
	}
	key := fmt.Sprintf("%s/%s/%d", port.HostIP, port.Protocol, port.HostPort)
	if pc.hostPorts.Has(key) {
		return field.ErrorList{field.Duplicate(p, key)}
	}
	pc.hostPorts.Insert(key)
	return nil
}

func validatePortNumber(port int32, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsValidPortNum(int(port)) {
		errs = append(errs, field.Invalid(p, port, msg))
	}
	return errs
}

func validateVolumeMounts(mounts []corev1.VolumeMount, volumes sets.Set[string], p *field.Path) field.ErrorList {
	var errs field.ErrorList
	paths := sets.New[string]()
	for i, m := range mounts {
		ip := p.Index(i)
		switch {
		case m.Name == "":
			errs = append(errs, field.Required(ip.Child("name"), ""))
		case !volumes.Has(m.Name):
			errs = append(errs, field.NotFound(ip.Child("name"), m.Name))
		}
		switch {
		case m.MountPath == "":
			errs = append(errs, field.Required(ip.Child("mountPath"), ""))
		case paths.Has(m.MountPath):
			errs = append(errs, field.Invalid(ip.Child("mountPath"), m.MountPath, "must be unique"))
		}
		paths.Insert(m.MountPath)
		if m.SubPath != "" {
			errs = append(errs, validateSubPath(m.SubPath, ip.Child("subPath"))...)
		}
		if m.SubPath != "" && m.SubPathExpr != "" {
			errs = append(errs, field.Invalid(ip.Child("subPathExpr"), m.SubPathExpr, "subPathExpr and subPath are mutually exclusive"))
		}
		if m.MountPropagation != nil && !propagationModes.Has(string(*m.MountPropagation)) {
			errs = append(errs, field.NotSupported(ip.Child("mountPropagation"), *m.MountPropagation, sets.List(propagationModes)))
		}
	}
	return errs
}

var propagationModes = sets.New("Bidirectional", "HostToContainer", "None")

func validateSubPath(sub string, p *field.Path) field.ErrorList {
	if path.IsAbs(sub) {
		return field.ErrorList{field.Invalid(p, sub, "must be a relative path")}
	}
	return validateLocalPath(sub, p)
}

func validatePullPolicy(pp corev1.PullPolicy, p *field.Path) field.ErrorList {
	switch pp {
	case corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever:
		return nil
	case "":
		return field.ErrorList{field.Required(p, "")}
	}
	return field.ErrorList{field.NotSupported(p, pp, []string{"Always", "IfNotPresent", "Never"})}
}

func validateTerminationMessagePolicy(tp corev1.TerminationMessagePolicy, p *field.Path) field.ErrorList {
	switch tp {
	case corev1.TerminationMessageReadFile, corev1.TerminationMessageFallbackToLogsOnError:
		return nil
	case "":
		return field.ErrorList{field.Required(p, "must be 'File' or 'FallbackToLogsOnError'")}
	}
	return field.ErrorList{field.Invalid(p, tp, "must be 'File' or 'FallbackToLogsOnError'")}
}

func validateContainerSecurityContext(sc *corev1.SecurityContext, p *field.Path) field.ErrorList {
	if sc == nil {
		return nil
	}
	var errs field.ErrorList
	errs = append(errs, nonNegativeID(sc.RunAsUser, p.Child("runAsUser"))...)
	errs = append(errs, nonNegativeID(sc.RunAsGroup, p.Child("runAsGroup"))...)
	if sc.Privileged != nil && *sc.Privileged && sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation {
		errs = append(errs, field.Invalid(p, sc, "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"))
	}
	return errs
}

func nonNegativeID(id *int64, p *field.Path) field.ErrorList {
	if id != nil && (*id < 0 || *id > 2147483647) {
		return field.ErrorList{field.Invalid(p, *id, "must be between 0 and 2147483647, inclusive")}
	}
	return nil
}
