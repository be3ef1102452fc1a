package kubelet

import (
	corev1 "k8s.io/api/core/v1"
)

// objectKind is a kind of object pods consume by name.
type objectKind int

const (
	kindConfigMap objectKind = iota
	kindSecret
)

// objectChange names a ConfigMap or Secret (that changed, or that a pod
// consumes).
type objectChange struct {
	Kind            objectKind
	Namespace, Name string
}

func (o objectChange) key() string {
	prefix := "configmap/"
	if o.Kind == kindSecret {
		prefix = "secret/"
	}
	return prefix + o.Namespace + "/" + o.Name
}

// consumedObjects lists the ConfigMaps and Secrets a pod reads: through a
// volume (also projected), an env or envFrom source of any container, or
// (a Secret) as an image pull secret. Only those pods are synced again
// when one changes: waking every pod of the namespace made each unrelated
// ConfigMap write cost a sync of thousands of pods.
func consumedObjects(pod *corev1.Pod) []objectChange {
	c := consumers{ns: pod.Namespace}
	for i := range pod.Spec.Volumes {
		c.volume(&pod.Spec.Volumes[i])
	}
	for _, s := range pod.Spec.ImagePullSecrets {
		c.add(kindSecret, s.Name)
	}
	for i := range pod.Spec.InitContainers {
		c.container(pod.Spec.InitContainers[i].Env, pod.Spec.InitContainers[i].EnvFrom)
	}
	for i := range pod.Spec.Containers {
		c.container(pod.Spec.Containers[i].Env, pod.Spec.Containers[i].EnvFrom)
	}
	for i := range pod.Spec.EphemeralContainers {
		e := &pod.Spec.EphemeralContainers[i].EphemeralContainerCommon
		c.container(e.Env, e.EnvFrom)
	}
	return c.out
}

type consumers struct {
	ns  string
	out []objectChange
}

func (c *consumers) add(kind objectKind, name string) {
	o := objectChange{Kind: kind, Namespace: c.ns, Name: name}
	for _, have := range c.out {
		if have == o {
			return
		}
	}
	c.out = append(c.out, o)
}

func (c *consumers) volume(v *corev1.Volume) {
	switch {
	case v.ConfigMap != nil:
		c.add(kindConfigMap, v.ConfigMap.Name)
	case v.Secret != nil:
		c.add(kindSecret, v.Secret.SecretName)
	case v.Projected != nil:
		for _, s := range v.Projected.Sources {
			if s.ConfigMap != nil {
				c.add(kindConfigMap, s.ConfigMap.Name)
			}
			if s.Secret != nil {
				c.add(kindSecret, s.Secret.Name)
			}
		}
	}
}

func (c *consumers) container(env []corev1.EnvVar, from []corev1.EnvFromSource) {
	for _, e := range env {
		if e.ValueFrom == nil {
			continue
		}
		if r := e.ValueFrom.ConfigMapKeyRef; r != nil {
			c.add(kindConfigMap, r.Name)
		}
		if r := e.ValueFrom.SecretKeyRef; r != nil {
			c.add(kindSecret, r.Name)
		}
	}
	for _, f := range from {
		if f.ConfigMapRef != nil {
			c.add(kindConfigMap, f.ConfigMapRef.Name)
		}
		if f.SecretRef != nil {
			c.add(kindSecret, f.SecretRef.Name)
		}
	}
}

// indexByConsumed indexes pods by the objects they consume.
func indexByConsumed(obj any) ([]string, error) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return nil, nil
	}
	objs := consumedObjects(pod)
	keys := make([]string, len(objs))
	for i, o := range objs {
		keys[i] = o.key()
	}
	return keys, nil
}
