// Package volume sets up the volumes of a pod on the node (emptyDir,
// hostPath, configMap, secret, downwardAPI, projected) under the kubelet's
// root directory, and turns a container's volumeMounts into CRI mounts.
package volume

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"rudder/internal/kubelet/fieldpath"
)

// ObjectGetter reads the API objects volumes are made from. A missing
// object is reported with a Kubernetes NotFound error
// (k8s.io/apimachinery/pkg/api/errors), whose text the pod's events show.
type ObjectGetter interface {
	ConfigMap(namespace, name string) (*corev1.ConfigMap, error)
	Secret(namespace, name string) (*corev1.Secret, error)
}

// Options configure a Manager.
type Options struct {
	// RootDir is the kubelet's root dir; pod dirs are <RootDir>/pods/<uid>.
	// Empty means dry run: sources are resolved and checked (so errors are
	// reported) but nothing is written, for simulated nodes.
	RootDir     string
	Objects     ObjectGetter
	Mounter     Mounter             // default: the system's mount(2)
	Allocatable corev1.ResourceList // resourceFieldRef default for unset limits
}

// Manager sets up and tears down pod volumes. It is safe for concurrent
// use on different pods; one pod's calls must be serial (the pod worker).
type Manager struct {
	o Options
}

// NewManager returns a volume manager.
func NewManager(o Options) *Manager {
	if o.Mounter == nil {
		o.Mounter = SystemMounter{}
	}
	return &Manager{o: o}
}

// Volume is a set-up volume as containers see it.
type Volume struct {
	// HostPath is the directory (or file, for hostPath) to mount; empty in
	// dry run.
	HostPath string
	// ReadOnly volumes are always mounted read-only (API data volumes).
	ReadOnly bool
}

// SetUpError names the volume that failed, for the FailedMount event.
type SetUpError struct {
	Volume string
	Err    error
}

func (e *SetUpError) Error() string {
	return fmt.Sprintf("MountVolume.SetUp failed for volume %q : %v", e.Volume, e.Err)
}

func (e *SetUpError) Unwrap() error { return e.Err }

// PodDir is <root>/pods/<uid> ("" in dry run).
func (m *Manager) PodDir(uid types.UID) string {
	if m.o.RootDir == "" {
		return ""
	}
	return filepath.Join(m.o.RootDir, "pods", string(uid))
}

// SetUp makes every volume of the pod ready and refreshes the content of
// API data volumes (configMap, secret, downwardAPI, projected); calling it
// again with nothing changed writes nothing. st gives the pod's IPs for
// downward API fields.
func (m *Manager) SetUp(pod *corev1.Pod, st fieldpath.Status) (map[string]Volume, error) {
	out := make(map[string]Volume, len(pod.Spec.Volumes))
	var errs []error
	for i := range pod.Spec.Volumes {
		v := &pod.Spec.Volumes[i]
		vol, err := m.setUpOne(pod, v, st)
		if err != nil {
			errs = append(errs, &SetUpError{Volume: v.Name, Err: err})
			continue
		}
		out[v.Name] = vol
	}
	return out, errors.Join(errs...)
}

func (m *Manager) setUpOne(pod *corev1.Pod, v *corev1.Volume, st fieldpath.Status) (Volume, error) {
	src := &v.VolumeSource
	switch {
	case src.EmptyDir != nil:
		return m.setUpEmptyDir(pod, v.Name, src.EmptyDir)
	case src.HostPath != nil:
		return setUpHostPath(src.HostPath, m.o.RootDir == "")
	}
	payload, plugin, err := m.payload(pod, src, st)
	if err != nil {
		return Volume{}, err
	}
	if payload == nil {
		return Volume{}, fmt.Errorf("volume type not supported by this node")
	}
	dir := m.volumeDir(pod.UID, plugin, v.Name)
	if dir == "" {
		return Volume{ReadOnly: true}, nil
	}
	if err := (&atomicWriter{dir: dir}).Write(payload); err != nil {
		return Volume{}, err
	}
	return Volume{HostPath: dir, ReadOnly: true}, nil
}

// payload computes the files of an API data volume; nil for other types.
func (m *Manager) payload(pod *corev1.Pod, src *corev1.VolumeSource, st fieldpath.Status) (map[string]File, string, error) {
	switch {
	case src.ConfigMap != nil:
		p, err := m.configMapPayload(pod.Namespace, src.ConfigMap.LocalObjectReference.Name, src.ConfigMap.Items,
			src.ConfigMap.Optional, mode(src.ConfigMap.DefaultMode, 0o644))
		return p, "kubernetes.io~configmap", err
	case src.Secret != nil:
		p, err := m.secretPayload(pod.Namespace, src.Secret.SecretName, src.Secret.Items,
			src.Secret.Optional, mode(src.Secret.DefaultMode, 0o644))
		return p, "kubernetes.io~secret", err
	case src.DownwardAPI != nil:
		p, err := m.downwardPayload(pod, src.DownwardAPI.Items, mode(src.DownwardAPI.DefaultMode, 0o644), st)
		return p, "kubernetes.io~downward-api", err
	case src.Projected != nil:
		p, err := m.projectedPayload(pod, src.Projected, st)
		return p, "kubernetes.io~projected", err
	}
	return nil, "", nil
}

// volumeDir is <pod dir>/volumes/<plugin>/<name> ("" in dry run).
func (m *Manager) volumeDir(uid types.UID, plugin, name string) string {
	pd := m.PodDir(uid)
	if pd == "" {
		return ""
	}
	return filepath.Join(pd, "volumes", plugin, name)
}

func mode(m *int32, def os.FileMode) os.FileMode {
	if m == nil {
		return def
	}
	return os.FileMode(*m) & os.ModePerm
}
