package e2e

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"rudder/test/e2e/cluster"
)

// TestKubectl drives each installed kubectl through what users do every
// day, each binary against its own server.
func TestKubectl(t *testing.T) {
	for _, bin := range kubectlBinaries {
		t.Run(filepath.Base(bin), func(t *testing.T) {
			requireBinary(t, bin)
			k := kubectl{s: cluster.Start(t), bin: bin}
			t.Run("version", k.testVersion)
			t.Run("api-resources", k.testAPIResources)
			t.Run("workload", k.testWorkload)
			t.Run("server-side-apply", k.testServerSideApply)
			t.Run("explain", k.testExplain)
			t.Run("delete-namespace", k.testDeleteNamespace)
		})
	}
}

// testVersion checks both outputs: kubectl 1.27 prints version.Info{...}
// by default, later versions a short line.
func (k kubectl) testVersion(t *testing.T) {
	out := k.ok(t, "version")
	if !regexp.MustCompile(`(?m)^Server Version: (v1\.32\.|version\.Info\{Major:"1", Minor:"32", GitVersion:"v1\.32\.)`).MatchString(out) {
		t.Errorf("version output lacks Server Version v1.32:\n%s", out)
	}
	var v struct {
		Server struct{ Major, Minor, GitVersion string } `json:"serverVersion"`
	}
	if err := json.Unmarshal([]byte(k.ok(t, "version", "-o", "json")), &v); err != nil {
		t.Fatalf("version -o json: %v", err)
	}
	if v.Server.Major != "1" || v.Server.Minor != "32" || !strings.HasPrefix(v.Server.GitVersion, "v1.32.") {
		t.Errorf("serverVersion = %+v, want 1.32", v.Server)
	}
}

func (k kubectl) testAPIResources(t *testing.T) {
	out := k.ok(t, "api-resources")
	if got := columns(lines(out)[0]); got != "NAME SHORTNAMES APIVERSION NAMESPACED KIND" {
		t.Errorf("api-resources header = %q", got)
	}
	for _, want := range [][]string{
		{"deployments", "deploy", "apps/v1", "true", "Deployment"},
		{"configmaps", "cm", "v1", "true", "ConfigMap"},
		{"namespaces", "ns", "v1", "false", "Namespace"},
		{"services", "svc", "v1", "true", "Service"},
		{"cronjobs", "cj", "batch/v1", "true", "CronJob"},
		{"jobs", "batch/v1", "true", "Job"},
		{"ingresses", "ing", "networking.k8s.io/v1", "true", "Ingress"},
		{"leases", "coordination.k8s.io/v1", "true", "Lease"},
		{"horizontalpodautoscalers", "hpa", "autoscaling/v2", "true", "HorizontalPodAutoscaler"},
		{"poddisruptionbudgets", "pdb", "policy/v1", "true", "PodDisruptionBudget"},
		{"clusterroles", "rbac.authorization.k8s.io/v1", "false", "ClusterRole"},
		{"storageclasses", "sc", "storage.k8s.io/v1", "false", "StorageClass"},
	} {
		got := rowFor(out, 0, want[0])
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("api-resources row for %s = %q, want %q", want[0], got, want)
		}
	}
}

// testServerSideApply covers apply --server-side, a conflict with another
// field manager, and --force-conflicts.
func (k kubectl) testServerSideApply(t *testing.T) {
	const ns = "ssa"
	k.ok(t, "create", "namespace", ns)
	cm := func(v string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  level: \"" + v + "\"\n"
	}
	out := k.stdin(t, cm("1"), "apply", "--server-side", "-n", ns, "-f", "-").OK(t)
	expectLines(t, out, "configmap/settings serverside-applied")
	k.expectJSONPath(t, ns, "cm/settings", "{.data.level}", "1")
	k.expectJSONPath(t, ns, "cm/settings", "{.metadata.managedFields[0].manager}/{.metadata.managedFields[0].operation}", "kubectl/Apply")

	r := k.stdin(t, cm("2"), "apply", "--server-side", "--field-manager=other", "-n", ns, "-f", "-")
	if r.Code == 0 || !strings.Contains(strings.ToLower(r.Stderr), "conflict") || !strings.Contains(r.Stderr, ".data.level") {
		t.Errorf("conflicting apply should fail naming the conflict on .data.level:\n%s", r)
	}
	k.expectJSONPath(t, ns, "cm/settings", "{.data.level}", "1")

	out = k.stdin(t, cm("2"), "apply", "--server-side", "--field-manager=other", "--force-conflicts", "-n", ns, "-f", "-").OK(t)
	expectLines(t, out, "configmap/settings serverside-applied")
	k.expectJSONPath(t, ns, "cm/settings", "{.data.level}", "2")
}

func (k kubectl) testExplain(t *testing.T) {
	r := k.run(t, "explain", "deployment.spec.strategy")
	if r.Code != 0 {
		t.Fatalf("explain failed (needs OpenAPI schemas):\n%s", r)
	}
	expectContains(t, r.Stdout, "rollingUpdate", "DeploymentStrategy")
}

// testDeleteNamespace deletes an empty namespace; that needs the namespace
// controller to finish it.
func (k kubectl) testDeleteNamespace(t *testing.T) {
	const ns = "doomed"
	k.ok(t, "create", "namespace", ns)
	r := k.s.Run(t, cluster.Call{Bin: k.bin, Args: []string{"delete", "namespace", ns, "--timeout=30s"}, Timeout: 45 * time.Second})
	expectLines(t, r.OK(t), `namespace "`+ns+`" deleted`)
	if rowFor(k.ok(t, "get", "ns"), 0, ns) != nil {
		t.Errorf("get ns still lists %s after delete completed", ns)
	}
}

// workloadYAML is a typical application manifest; image varies between
// applies.
func workloadYAML(image string) string {
	return strings.ReplaceAll(workloadTemplate, "IMAGE", image)
}

const workloadTemplate = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: IMAGE
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: web
  labels:
    app: web
spec:
  selector:
    app: web
  ports:
  - port: 80
    targetPort: 80
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
  labels:
    app: web
data:
  color: blue
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: other-config
  labels:
    app: other
data:
  color: green
---
apiVersion: v1
kind: Secret
metadata:
  name: web-secret
type: Opaque
stringData:
  password: s3cret
---
apiVersion: batch/v1
kind: Job
metadata:
  name: once
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: hello
        image: busybox:1.36
        command: ["echo", "hello"]
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: report
            image: busybox:1.36
            command: ["date"]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  rules:
  - host: web.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: web
            port:
              number: 80
`
