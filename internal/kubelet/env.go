package kubelet

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"rudder/internal/kubelet/fieldpath"
	"rudder/internal/kubelet/volume"
)

// envInput is everything a container's environment is computed from.
type envInput struct {
	Pod         *corev1.Pod
	Container   *corev1.Container
	Objects     volume.ObjectGetter
	Services    []*corev1.Service // for service links, already selected
	Status      fieldpath.Status
	Allocatable corev1.ResourceList
}

// envVar keeps declaration order (the runtime gets a list).
type envVar struct{ Name, Value string }

// containerEnv resolves the environment as Kubernetes does: service link
// variables first, then envFrom sources, then env entries in order, each
// entry's $(VAR) references expanded against what was defined before it.
// A missing ConfigMap/Secret (not optional) is an error whose text is
// the container's CreateContainerConfigError message.
func containerEnv(in envInput) ([]envVar, error) {
	service := serviceEnv(in.Services)
	vals := map[string]string{}
	var order []string
	set := func(name, value string) {
		if _, ok := vals[name]; !ok {
			order = append(order, name)
		}
		vals[name] = value
	}
	for _, from := range in.Container.EnvFrom {
		kv, err := envFromSource(in, from)
		if err != nil {
			return nil, err
		}
		for _, e := range kv {
			set(from.Prefix+e.Name, e.Value)
		}
	}
	lookup := func(name string) (string, bool) {
		if v, ok := vals[name]; ok {
			return v, true
		}
		v, ok := service[name]
		return v, ok
	}
	for _, e := range in.Container.Env {
		if e.ValueFrom == nil {
			set(e.Name, expand(e.Value, lookup))
			continue
		}
		v, ok, err := envValueFrom(in, e.ValueFrom)
		if err != nil {
			return nil, err
		}
		if ok {
			set(e.Name, v)
		}
	}
	out := make([]envVar, 0, len(order)+len(service))
	for _, name := range order {
		out = append(out, envVar{name, vals[name]})
	}
	names := make([]string, 0, len(service))
	for name := range service {
		if _, ok := vals[name]; !ok {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		out = append(out, envVar{name, service[name]})
	}
	return out, nil
}

// envFromSource lists the keys of a ConfigMap or Secret (sorted, so the
// environment is stable); keys that cannot be variable names are skipped.
func envFromSource(in envInput, from corev1.EnvFromSource) ([]envVar, error) {
	var data map[string]string
	switch {
	case from.ConfigMapRef != nil:
		cm, err := in.Objects.ConfigMap(in.Pod.Namespace, from.ConfigMapRef.Name)
		if err != nil {
			if apierrors.IsNotFound(err) && isTrue(from.ConfigMapRef.Optional) {
				return nil, nil
			}
			return nil, err
		}
		data = cm.Data
	case from.SecretRef != nil:
		s, err := in.Objects.Secret(in.Pod.Namespace, from.SecretRef.Name)
		if err != nil {
			if apierrors.IsNotFound(err) && isTrue(from.SecretRef.Optional) {
				return nil, nil
			}
			return nil, err
		}
		data = make(map[string]string, len(s.Data))
		for k, v := range s.Data {
			data[k] = string(v)
		}
	}
	keys := make([]string, 0, len(data))
	for k := range data {
		if k != "" && !strings.Contains(k, "=") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	out := make([]envVar, 0, len(keys))
	for _, k := range keys {
		out = append(out, envVar{k, data[k]})
	}
	return out, nil
}

// envValueFrom resolves one valueFrom; ok is false for an optional
// reference that is missing (the variable is then not set).
func envValueFrom(in envInput, src *corev1.EnvVarSource) (string, bool, error) {
	switch {
	case src.FieldRef != nil:
		v, err := fieldpath.Field(in.Pod, src.FieldRef.FieldPath, in.Status)
		return v, err == nil, err
	case src.ResourceFieldRef != nil:
		name := src.ResourceFieldRef.ContainerName
		if name == "" {
			name = in.Container.Name
		}
		v, err := fieldpath.Resource(in.Pod, name, src.ResourceFieldRef, in.Allocatable)
		return v, err == nil, err
	case src.ConfigMapKeyRef != nil:
		ref := src.ConfigMapKeyRef
		cm, err := in.Objects.ConfigMap(in.Pod.Namespace, ref.Name)
		if err != nil {
			return "", false, optionalMissing(err, ref.Optional)
		}
		v, ok := cm.Data[ref.Key]
		if !ok && !isTrue(ref.Optional) {
			return "", false, fmt.Errorf("couldn't find key %s in ConfigMap %s/%s", ref.Key, in.Pod.Namespace, ref.Name)
		}
		return v, ok, nil
	case src.SecretKeyRef != nil:
		ref := src.SecretKeyRef
		s, err := in.Objects.Secret(in.Pod.Namespace, ref.Name)
		if err != nil {
			return "", false, optionalMissing(err, ref.Optional)
		}
		v, ok := s.Data[ref.Key]
		if !ok && !isTrue(ref.Optional) {
			return "", false, fmt.Errorf("couldn't find key %s in Secret %s/%s", ref.Key, in.Pod.Namespace, ref.Name)
		}
		return string(v), ok, nil
	}
	return "", false, nil
}

// optionalMissing swallows NotFound for optional references.
func optionalMissing(err error, optional *bool) error {
	if apierrors.IsNotFound(err) && isTrue(optional) {
		return nil
	}
	return err
}

func isTrue(b *bool) bool { return b != nil && *b }

// expandAll expands $(VAR) in command or args with the final environment.
func expandAll(list []string, env []envVar) []string {
	if len(list) == 0 {
		return list
	}
	m := make(map[string]string, len(env))
	for _, e := range env {
		m[e.Name] = e.Value
	}
	lookup := func(n string) (string, bool) { v, ok := m[n]; return v, ok }
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = expand(s, lookup)
	}
	return out
}
