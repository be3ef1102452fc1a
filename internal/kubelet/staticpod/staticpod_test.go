package staticpod

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const manifest = `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  containers:
  - name: main
    image: busybox:1.36
`

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"web.yaml":    manifest,
		"db.json":     `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"db","namespace":"data"},"spec":{"containers":[{"name":"db","image":"db:1"}]}}`,
		"notes.txt":   "not a manifest",
		".hidden.yml": manifest,
		"bad.yaml":    "apiVersion: v1\nkind: Service\nmetadata: {name: x}\n",
		"empty.yaml":  "",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pods, errs := Load(dir, "Node-1")
	if len(errs) != 2 {
		t.Errorf("errors %v, want the Service and the empty file", errs)
	}
	if len(pods) != 2 || pods[0].Name != "db-node-1" || pods[1].Name != "web-node-1" {
		t.Fatalf("pods %v", pods)
	}
	db, web := pods[0], pods[1]
	if db.Namespace != "data" || web.Namespace != metav1.NamespaceDefault {
		t.Errorf("namespaces %q %q", db.Namespace, web.Namespace)
	}
	if web.Spec.NodeName != "Node-1" || web.Spec.RestartPolicy != corev1.RestartPolicyAlways || web.Spec.DNSPolicy != corev1.DNSClusterFirst {
		t.Errorf("spec not bound/defaulted: %+v", web.Spec)
	}
	if web.Annotations[AnnotationSource] != SourceFile || web.Annotations[AnnotationHash] != string(web.UID) || !IsStatic(web) {
		t.Errorf("annotations %v uid %s", web.Annotations, web.UID)
	}
	if pods, _ := Load(filepath.Join(dir, "missing"), "n"); len(pods) != 0 {
		t.Error("a missing folder has pods")
	}
}

func TestDecodeUIDFollowsContent(t *testing.T) {
	a, err := Decode([]byte(manifest), "/m/web.yaml", "n1")
	if err != nil {
		t.Fatal(err)
	}
	same, _ := Decode([]byte(manifest), "/m/web.yaml", "n1")
	edited, _ := Decode([]byte(strings.Replace(manifest, "1.36", "1.37", 1)), "/m/web.yaml", "n1")
	other, _ := Decode([]byte(manifest), "/m/web.yaml", "n2")
	if a.UID != same.UID {
		t.Error("same manifest, different UID")
	}
	if a.UID == edited.UID || a.UID == other.UID {
		t.Error("edited manifest or other node keeps the UID")
	}
}

func TestMirror(t *testing.T) {
	s, err := Decode([]byte(manifest), "/m/web.yaml", "n1")
	if err != nil {
		t.Fatal(err)
	}
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1", UID: "node-uid"}}
	m := Mirror(s, node)
	if m.UID != "" || !IsMirror(m) || MirrorHash(m) != string(s.UID) {
		t.Errorf("mirror meta %+v", m.ObjectMeta)
	}
	if len(m.OwnerReferences) != 1 || m.OwnerReferences[0].Kind != "Node" || m.OwnerReferences[0].UID != "node-uid" {
		t.Errorf("owner %+v", m.OwnerReferences)
	}
	if _, ok := s.Annotations[AnnotationMirror]; ok {
		t.Error("Mirror changed the static pod")
	}
}
