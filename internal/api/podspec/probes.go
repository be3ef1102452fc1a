package podspec

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func validateContainerProbes(c *corev1.Container, kind containerKind, p *field.Path) field.ErrorList {
	sidecar := kind == initContainer && c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
	if (kind == initContainer && !sidecar) || kind == ephemeralContainer {
		return forbidProbes(c, kind, p)
	}
	var errs field.ErrorList
	errs = append(errs, validateProbe(c.LivenessProbe, true, p.Child("livenessProbe"))...)
	errs = append(errs, validateProbe(c.ReadinessProbe, false, p.Child("readinessProbe"))...)
	errs = append(errs, validateProbe(c.StartupProbe, true, p.Child("startupProbe"))...)
	return errs
}

// forbidProbes: plain init containers and ephemeral containers run once,
// so probes and lifecycle hooks make no sense for them.
func forbidProbes(c *corev1.Container, kind containerKind, p *field.Path) field.ErrorList {
	msg := "may not be set for init containers without restartPolicy=Always"
	if kind == ephemeralContainer {
		msg = "cannot be set for an Ephemeral Container"
	}
	var errs field.ErrorList
	if c.LivenessProbe != nil {
		errs = append(errs, field.Forbidden(p.Child("livenessProbe"), msg))
	}
	if c.ReadinessProbe != nil {
		errs = append(errs, field.Forbidden(p.Child("readinessProbe"), msg))
	}
	if c.StartupProbe != nil {
		errs = append(errs, field.Forbidden(p.Child("startupProbe"), msg))
	}
	if c.Lifecycle != nil {
		errs = append(errs, field.Forbidden(p.Child("lifecycle"), msg))
	}
	return errs
}

func validateProbe(pr *corev1.Probe, mustSucceedOnce bool, p *field.Path) field.ErrorList {
	if pr == nil {
		return nil
	}
	var errs field.ErrorList
	errs = append(errs, validateProbeHandler(&pr.ProbeHandler, p)...)
	errs = append(errs, nonNegative(int64(pr.InitialDelaySeconds), p.Child("initialDelaySeconds"))...)
	errs = append(errs, nonNegative(int64(pr.TimeoutSeconds), p.Child("timeoutSeconds"))...)
	errs = append(errs, nonNegative(int64(pr.PeriodSeconds), p.Child("periodSeconds"))...)
	errs = append(errs, nonNegative(int64(pr.SuccessThreshold), p.Child("successThreshold"))...)
	errs = append(errs, nonNegative(int64(pr.FailureThreshold), p.Child("failureThreshold"))...)
	if mustSucceedOnce && pr.SuccessThreshold != 1 {
		errs = append(errs, field.Invalid(p.Child("successThreshold"), pr.SuccessThreshold, "must be 1"))
	}
	if pr.TerminationGracePeriodSeconds != nil && *pr.TerminationGracePeriodSeconds <= 0 {
		errs = append(errs, field.Invalid(p.Child("terminationGracePeriodSeconds"), *pr.TerminationGracePeriodSeconds, "must be greater than 0"))
	}
	return errs
}

func nonNegative(v int64, p *field.Path) field.ErrorList {
	if v < 0 {
		return field.ErrorList{field.Invalid(p, v, "must be greater than or equal to 0")}
	}
	return nil
}

func validateProbeHandler(h *corev1.ProbeHandler, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	n := 0
	if h.Exec != nil {
		n++
		errs = append(errs, validateExec(h.Exec, p.Child("exec"))...)
	}
	if h.HTTPGet != nil {
		n++
		errs = append(errs, validateHTTPGet(h.HTTPGet, p.Child("httpGet"))...)
	}
	if h.TCPSocket != nil {
		n++
		errs = append(errs, validatePortNumOrName(h.TCPSocket.Port, p.Child("tcpSocket", "port"))...)
	}
	if h.GRPC != nil {
		n++
		errs = append(errs, validatePortNumber(h.GRPC.Port, p.Child("grpc", "port"))...)
	}
	return append(errs, handlerCount(n, p)...)
}

func handlerCount(n int, p *field.Path) field.ErrorList {
	switch {
	case n == 0:
		return field.ErrorList{field.Required(p, "must specify a handler type")}
	case n > 1:
		return field.ErrorList{field.Forbidden(p, "may not specify more than 1 handler type")}
	}
	return nil
}

func validateExec(e *corev1.ExecAction, p *field.Path) field.ErrorList {
	if len(e.Command) == 0 {
		return field.ErrorList{field.Required(p.Child("command"), "")}
	}
	return nil
}

func validateHTTPGet(h *corev1.HTTPGetAction, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if h.Path == "" {
		errs = append(errs, field.Required(p.Child("path"), ""))
	}
	errs = append(errs, validatePortNumOrName(h.Port, p.Child("port"))...)
	if h.Scheme != corev1.URISchemeHTTP && h.Scheme != corev1.URISchemeHTTPS {
		errs = append(errs, field.NotSupported(p.Child("scheme"), h.Scheme, []string{"HTTP", "HTTPS"}))
	}
	for i, hdr := range h.HTTPHeaders {
		for _, msg := range validation.IsHTTPHeaderName(hdr.Name) {
			errs = append(errs, field.Invalid(p.Child("httpHeaders").Index(i).Child("name"), hdr.Name, msg))
		}
	}
	return errs
}

// validatePortNumOrName accepts a port number or a named container port.
func validatePortNumOrName(port intstr.IntOrString, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch port.Type {
	case intstr.Int:
		for _, msg := range validation.IsValidPortNum(port.IntValue()) {
			errs = append(errs, field.Invalid(p, port.IntValue(), msg))
		}
	case intstr.String:
		for _, msg := range validation.IsValidPortName(port.StrVal) {
			errs = append(errs, field.Invalid(p, port.StrVal, msg))
		}
	}
	return errs
}

func validateLifecycle(l *corev1.Lifecycle, p *field.Path) field.ErrorList {
	if l == nil {
		return nil
	}
	var errs field.ErrorList
	errs = append(errs, validateLifecycleHandler(l.PostStart, p.Child("postStart"))...)
	errs = append(errs, validateLifecycleHandler(l.PreStop, p.Child("preStop"))...)
	return errs
}

func validateLifecycleHandler(h *corev1.LifecycleHandler, p *field.Path) field.ErrorList {
	if h == nil {
		return nil
	}
	var errs field.ErrorList
	n := 0
	if h.Exec != nil {
		n++
		errs = append(errs, validateExec(h.Exec, p.Child("exec"))...)
	}
	if h.HTTPGet != nil {
		n++
		errs = append(errs, validateHTTPGet(h.HTTPGet, p.Child("httpGet"))...)
	}
	if h.TCPSocket != nil {
		n++
		errs = append(errs, validatePortNumOrName(h.TCPSocket.Port, p.Child("tcpSocket", "port"))...)
	}
	if h.Sleep != nil {
		n++
		if h.Sleep.Seconds < 0 {
			errs = append(errs, field.Invalid(p.Child("sleep", "seconds"), h.Sleep.Seconds, "must be greater than or equal to 0"))
		}
	}
	return append(errs, handlerCount(n, p)...)
}
