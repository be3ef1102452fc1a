package volume

import (
	"fmt"
	"os"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"rudder/internal/kubelet/fieldpath"
)

// configMapPayload projects a ConfigMap's keys (all, or the listed items)
// into files. A missing optional ConfigMap gives an empty volume.
func (m *Manager) configMapPayload(ns, name string, items []corev1.KeyToPath, optional *bool, def os.FileMode) (map[string]File, error) {
	cm, err := m.o.Objects.ConfigMap(ns, name)
	if err != nil {
		if apierrors.IsNotFound(err) && isTrue(optional) {
			return map[string]File{}, nil
		}
		return nil, err
	}
	data := make(map[string][]byte, len(cm.Data)+len(cm.BinaryData))
	for k, v := range cm.Data {
		data[k] = []byte(v)
	}
	for k, v := range cm.BinaryData {
		data[k] = v
	}
	return project(data, items, def, isTrue(optional), "configmap references non-existent config key: %s")
}

// secretPayload is configMapPayload for a Secret.
func (m *Manager) secretPayload(ns, name string, items []corev1.KeyToPath, optional *bool, def os.FileMode) (map[string]File, error) {
	s, err := m.o.Objects.Secret(ns, name)
	if err != nil {
		if apierrors.IsNotFound(err) && isTrue(optional) {
			return map[string]File{}, nil
		}
		return nil, err
	}
	return project(s.Data, items, def, isTrue(optional), "references non-existent secret key: %s")
}

// project maps keys to files: every key under its own name, or only the
// listed items at their paths (with their modes).
func project(data map[string][]byte, items []corev1.KeyToPath, def os.FileMode, optional bool, missingFmt string) (map[string]File, error) {
	out := map[string]File{}
	if len(items) == 0 {
		for k, v := range data {
			out[k] = File{Data: v, Mode: def}
		}
		return out, nil
	}
	for _, it := range items {
		v, ok := data[it.Key]
		if !ok {
			if optional {
				continue
			}
			return nil, fmt.Errorf(missingFmt, it.Key)
		}
		out[it.Path] = File{Data: v, Mode: mode(it.Mode, def)}
	}
	return out, nil
}

func isTrue(b *bool) bool { return b != nil && *b }

// downwardPayload renders downward API items (pod metadata and container
// resources) into files.
func (m *Manager) downwardPayload(pod *corev1.Pod, items []corev1.DownwardAPIVolumeFile, def os.FileMode, st fieldpath.Status) (map[string]File, error) {
	out := map[string]File{}
	for _, it := range items {
		var v string
		var err error
		switch {
		case it.FieldRef != nil:
			v, err = fieldpath.Field(pod, it.FieldRef.FieldPath, st)
		case it.ResourceFieldRef != nil:
			v, err = fieldpath.Resource(pod, it.ResourceFieldRef.ContainerName, it.ResourceFieldRef, m.o.Allocatable)
		default:
			err = fmt.Errorf("downwardAPI item %q has no source", it.Path)
		}
		if err != nil {
			return nil, fmt.Errorf("downwardAPI %s: %w", it.Path, err)
		}
		out[it.Path] = File{Data: []byte(v), Mode: mode(it.Mode, def)}
	}
	return out, nil
}

// projectedPayload merges the sources of a projected volume. Service
// account tokens are not projected yet (no token issuer).
func (m *Manager) projectedPayload(pod *corev1.Pod, src *corev1.ProjectedVolumeSource, st fieldpath.Status) (map[string]File, error) {
	def := mode(src.DefaultMode, 0o644)
	out := map[string]File{}
	for _, s := range src.Sources {
		var part map[string]File
		var err error
		switch {
		case s.ConfigMap != nil:
			part, err = m.configMapPayload(pod.Namespace, s.ConfigMap.Name, s.ConfigMap.Items, s.ConfigMap.Optional, def)
		case s.Secret != nil:
			part, err = m.secretPayload(pod.Namespace, s.Secret.Name, s.Secret.Items, s.Secret.Optional, def)
		case s.DownwardAPI != nil:
			part, err = m.downwardPayload(pod, s.DownwardAPI.Items, def, st)
		}
		if err != nil {
			return nil, err
		}
		for p, f := range part {
			out[p] = f
		}
	}
	return out, nil
}
