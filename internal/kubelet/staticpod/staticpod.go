// Package staticpod reads static pod manifests (a folder of YAML or JSON
// pods the kubelet runs without the API server deciding) and builds the
// mirror pods that make them visible in the API.
package staticpod

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"rudder/internal/api/podspec"
)

// Annotations Kubernetes puts on static and mirror pods.
const (
	AnnotationSource = "kubernetes.io/config.source"
	AnnotationHash   = "kubernetes.io/config.hash"
	AnnotationMirror = "kubernetes.io/config.mirror"
	SourceFile       = "file"
)

// Load reads every manifest of dir (.yaml, .yml, .json; hidden files are
// skipped) as a pod of node nodeName. A missing dir has no pods; a bad
// manifest is reported and skipped, the others still load.
func Load(dir, nodeName string) ([]*corev1.Pod, []error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, []error{fmt.Errorf("static pods: read %s: %w", dir, err)}
	}
	var pods []*corev1.Pod
	var errs []error
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || !manifestExt(name) {
			continue
		}
		path := filepath.Join(dir, name)
		data, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("static pod %s: %w", path, err))
			continue
		}
		pod, err := Decode(data, path, nodeName)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		pods = append(pods, pod)
	}
	sort.Slice(pods, func(i, j int) bool { return pods[i].Name < pods[j].Name })
	return pods, errs
}

func manifestExt(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// Decode turns one manifest into the static pod the kubelet runs: named
// <name>-<node>, in namespace default unless set, bound to the node,
// defaulted as the API server would, with a UID that is a hash of the
// manifest (so an edit makes a new pod) and the config annotations.
func Decode(data []byte, source, nodeName string) (*corev1.Pod, error) {
	pod := &corev1.Pod{}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	if err := dec.Decode(pod); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("static pod %s: empty manifest", source)
		}
		return nil, fmt.Errorf("static pod %s: %w", source, err)
	}
	if pod.Kind != "Pod" || (pod.APIVersion != "v1" && pod.APIVersion != "") {
		return nil, fmt.Errorf("static pod %s: kind %q apiVersion %q, want a v1 Pod", source, pod.Kind, pod.APIVersion)
	}
	if pod.Name == "" {
		return nil, fmt.Errorf("static pod %s: metadata.name is required", source)
	}
	if len(pod.Spec.Containers) == 0 {
		return nil, fmt.Errorf("static pod %s: spec.containers is required", source)
	}
	sum := sha256.Sum256(append([]byte(nodeName+"\x00"+source+"\x00"), data...))
	hash := hex.EncodeToString(sum[:16])
	pod.Name = pod.Name + "-" + strings.ToLower(nodeName)
	if pod.Namespace == "" {
		pod.Namespace = metav1.NamespaceDefault
	}
	pod.UID = types.UID(hash)
	pod.ResourceVersion, pod.Generation = "", 0
	if pod.Annotations == nil {
		pod.Annotations = map[string]string{}
	}
	pod.Annotations[AnnotationSource] = SourceFile
	pod.Annotations[AnnotationHash] = hash
	pod.Spec.NodeName = nodeName
	// A static pod tolerates every NoExecute taint: nothing may evict it
	// from its own node.
	pod.Spec.Tolerations = append(pod.Spec.Tolerations, corev1.Toleration{Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute})
	podspec.DefaultPodSpec(&pod.Spec)
	podspec.DefaultPodOnly(&pod.Spec)
	pod.Status = corev1.PodStatus{Phase: corev1.PodPending}
	return pod, nil
}

// IsStatic says whether a pod comes from a file rather than the API.
func IsStatic(pod *corev1.Pod) bool {
	src, ok := pod.Annotations[AnnotationSource]
	return ok && src != "api"
}

// IsMirror says whether an API pod mirrors a static pod.
func IsMirror(pod *corev1.Pod) bool {
	_, ok := pod.Annotations[AnnotationMirror]
	return ok
}

// MirrorHash is the hash of the static pod a mirror pod stands for.
func MirrorHash(pod *corev1.Pod) string { return pod.Annotations[AnnotationMirror] }

// Mirror is the API object that shows a static pod: the same pod with
// the mirror annotation (its hash) and the Node as owner, without the
// static UID (the API server gives its own).
func Mirror(static *corev1.Pod, node *corev1.Node) *corev1.Pod {
	m := static.DeepCopy()
	m.UID, m.ResourceVersion = "", ""
	m.Annotations[AnnotationMirror] = static.Annotations[AnnotationHash]
	m.Status = corev1.PodStatus{}
	if node != nil {
		m.OwnerReferences = []metav1.OwnerReference{{
			APIVersion: "v1", Kind: "Node", Name: node.Name, UID: node.UID,
		}}
	}
	return m
}
