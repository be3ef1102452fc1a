package resourcequota

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
)

// objectCounter counts objects of any served kind for count/<resource>.<group>
// quotas by listing through the API server; the group's preferred version
// comes from discovery.
type objectCounter struct {
	client kubernetes.Interface

	mu       sync.Mutex
	versions map[string]string // group -> preferred version
}

func newObjectCounter(client kubernetes.Interface) *objectCounter {
	return &objectCounter{client: client, versions: map[string]string{}}
}

func (o *objectCounter) count(ctx context.Context, ns string, name corev1.ResourceName) (int64, bool) {
	res, group, _ := strings.Cut(strings.TrimPrefix(string(name), "count/"), ".")
	version, ok := o.version(group)
	if !ok {
		return 0, false
	}
	path := "/apis/" + group + "/" + version
	if group == "" {
		path = "/api/v1"
	}
	path += "/namespaces/" + ns + "/" + res
	raw, err := o.client.CoreV1().RESTClient().Get().AbsPath(path).DoRaw(ctx)
	if err != nil {
		slog.Debug("quota: counting", "resource", name, "err", err)
		return 0, false
	}
	var list struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		return 0, false
	}
	return int64(len(list.Items)), true
}

func (o *objectCounter) version(group string) (string, bool) {
	if group == "" {
		return "v1", true
	}
	o.mu.Lock()
	v, ok := o.versions[group]
	o.mu.Unlock()
	if ok {
		return v, true
	}
	groups, err := o.client.Discovery().ServerGroups()
	if err != nil {
		return "", false
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, g := range groups.Groups {
		o.versions[g.Name] = g.PreferredVersion.Version
	}
	v, ok = o.versions[group]
	return v, ok
}
