package e2e

import (
	"context"
	"encoding/json"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"rudder/test/e2e/cluster"
)

// testWorkload runs the everyday cycle on one namespace. Every step needs
// the objects the gating steps create, so a failed gate stops the rest;
// later steps run on regardless, each failure naming its command.
func (k kubectl) testWorkload(t *testing.T) {
	const ns = "demo"
	steps := []struct {
		name string
		run  func(*testing.T, string)
		gate bool
	}{
		{"create-namespace", k.stepCreateNamespace, true},
		{"apply", k.stepApply, true},
		{"apply-change", k.stepApplyChange, true},
		{"columns", k.stepColumns, false},
		{"get-formats", k.stepGetFormats, false},
		{"get-selectors", k.stepGetSelectors, false},
		{"pods-wide", k.stepPodsWide, false},
		{"watch", k.stepWatch, false},
		{"describe", k.stepDescribe, false},
		{"label-annotate", k.stepLabelAnnotate, false},
		{"patch", k.stepPatch, false},
		{"edit", k.stepEdit, false},
		{"scale", k.stepScale, false},
		{"delete-file", k.stepDeleteFile, false},
	}
	for _, st := range steps {
		if !t.Run(st.name, func(t *testing.T) { st.run(t, ns) }) && st.gate {
			return
		}
	}
}

func (k kubectl) stepCreateNamespace(t *testing.T, ns string) {
	expectLines(t, k.ok(t, "create", "namespace", ns), "namespace/"+ns+" created")
	if rowFor(k.ok(t, "get", "ns"), 0, ns) == nil {
		t.Errorf("get ns does not list %s", ns)
	}
}

func (k kubectl) stepApply(t *testing.T, ns string) {
	out := k.stdin(t, workloadYAML("nginx:1.25"), "apply", "-n", ns, "-f", "-").OK(t)
	expectLines(t, out,
		"deployment.apps/web created",
		"service/web created",
		"configmap/web-config created",
		"configmap/other-config created",
		"secret/web-secret created",
		"job.batch/once created",
		"cronjob.batch/nightly created",
		"ingress.networking.k8s.io/web created",
	)
	k.expectJSONPath(t, ns, "deploy/web", "{.metadata.generation}", "1")
}

func (k kubectl) stepApplyChange(t *testing.T, ns string) {
	out := k.stdin(t, workloadYAML("nginx:1.26"), "apply", "-n", ns, "-f", "-").OK(t)
	expectLines(t, out,
		"deployment.apps/web configured",
		"service/web unchanged",
		"configmap/web-config unchanged",
		"ingress.networking.k8s.io/web unchanged",
	)
	k.expectJSONPath(t, ns, "deploy/web", "{.spec.template.spec.containers[0].image}", "nginx:1.26")
	k.expectJSONPath(t, ns, "deploy/web", "{.metadata.generation}", "2")
}

// stepColumns checks the table columns users know from Kubernetes.
func (k kubectl) stepColumns(t *testing.T, ns string) {
	for _, c := range []struct {
		resource, header, name string
		row                    []string // leading fields of the object's row
	}{
		// No node runs the pods here, so none is ever available; how many
		// are up to date depends on how far the controller got.
		{"deployments", "NAME READY UP-TO-DATE AVAILABLE AGE", "web", []string{"web", "0/1"}},
		{"services", "NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE", "web", []string{"web", "ClusterIP"}},
		{"configmaps", "NAME DATA AGE", "web-config", []string{"web-config", "1"}},
		{"secrets", "NAME TYPE DATA AGE", "web-secret", []string{"web-secret", "Opaque", "1"}},
		{"jobs", "NAME STATUS COMPLETIONS DURATION AGE", "once", []string{"once"}},
		{"cronjobs", "NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE", "nightly", []string{"nightly", "0", "3", "*", "*", "*", "<none>", "False", "0", "<none>"}},
		{"ingresses", "NAME CLASS HOSTS ADDRESS PORTS AGE", "web", []string{"web", "<none>", "web.example.com", "80"}},
	} {
		t.Run(c.resource, func(t *testing.T) {
			out := k.ok(t, "get", c.resource, "-n", ns)
			if got := columns(lines(out)[0]); got != c.header {
				t.Errorf("header = %q, want %q", got, c.header)
			}
			row := rowFor(out, 0, c.name)
			if len(row) < len(c.row) || strings.Join(row[:len(c.row)], " ") != strings.Join(c.row, " ") {
				t.Errorf("row = %q, want it to start with %q\n%s", row, c.row, out)
			}
		})
	}
	svc := rowFor(k.ok(t, "get", "svc", "web", "-n", ns), 0, "web")
	if len(svc) < 5 || !inServiceCIDR(svc[2]) || svc[3] != "<none>" || svc[4] != "80/TCP" {
		t.Errorf("service row = %q, want a cluster IP in 10.43.0.0/16, <none>, 80/TCP", svc)
	}
}

func inServiceCIDR(ip string) bool {
	_, cidr, _ := net.ParseCIDR("10.43.0.0/16")
	parsed := net.ParseIP(ip)
	return parsed != nil && cidr.Contains(parsed)
}

func (k kubectl) stepGetFormats(t *testing.T, ns string) {
	t.Run("wide", func(t *testing.T) {
		out := k.ok(t, "get", "deploy", "-n", ns, "-o", "wide")
		if got := columns(lines(out)[0]); got != "NAME READY UP-TO-DATE AVAILABLE AGE CONTAINERS IMAGES SELECTOR" {
			t.Errorf("wide header = %q", got)
		}
		row := rowFor(out, 0, "web")
		if len(row) != 8 || row[5] != "web" || row[6] != "nginx:1.26" || row[7] != "app=web" {
			t.Errorf("wide row = %q", row)
		}
	})
	t.Run("yaml", func(t *testing.T) {
		var cm corev1.ConfigMap
		if err := yaml.UnmarshalStrict([]byte(k.ok(t, "get", "cm", "web-config", "-n", ns, "-o", "yaml")), &cm); err != nil {
			t.Fatalf("-o yaml is not a ConfigMap: %v", err)
		}
		checkConfigMap(t, &cm, ns)
	})
	t.Run("json", func(t *testing.T) {
		var cm corev1.ConfigMap
		if err := json.Unmarshal([]byte(k.ok(t, "get", "cm", "web-config", "-n", ns, "-o", "json")), &cm); err != nil {
			t.Fatalf("-o json is not a ConfigMap: %v", err)
		}
		checkConfigMap(t, &cm, ns)
	})
	t.Run("jsonpath", func(t *testing.T) {
		out := k.ok(t, "get", "cm", "-n", ns, "-o", `jsonpath={range .items[*]}{.metadata.name}={.data.color}{"\n"}{end}`)
		expectLines(t, out, "web-config=blue", "other-config=green")
	})
}

func checkConfigMap(t *testing.T, cm *corev1.ConfigMap, ns string) {
	t.Helper()
	if cm.Kind != "ConfigMap" || cm.APIVersion != "v1" || cm.Name != "web-config" || cm.Namespace != ns ||
		cm.UID == "" || cm.ResourceVersion == "" || cm.CreationTimestamp.IsZero() || cm.Data["color"] != "blue" {
		t.Errorf("unexpected ConfigMap: %+v", cm)
	}
}

func (k kubectl) stepGetSelectors(t *testing.T, ns string) {
	for _, c := range []struct {
		name         string
		args         []string
		want, absent []string
	}{
		{"label", []string{"get", "cm", "-l", "app=web"}, []string{"web-config"}, []string{"other-config"}},
		{"label-set", []string{"get", "cm", "-l", "app in (web,other)"}, []string{"web-config", "other-config"}, nil},
		{"field", []string{"get", "cm", "--field-selector", "metadata.name=other-config"}, []string{"other-config"}, []string{"web-config"}},
		{"field-not", []string{"get", "cm", "--field-selector", "metadata.name!=other-config"}, []string{"web-config"}, []string{"other-config"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := k.ok(t, append(c.args, "-n", ns)...)
			for _, w := range c.want {
				if rowFor(out, 0, w) == nil {
					t.Errorf("%v lacks %s:\n%s", c.args, w, out)
				}
			}
			for _, a := range c.absent {
				if rowFor(out, 0, a) != nil {
					t.Errorf("%v lists %s:\n%s", c.args, a, out)
				}
			}
		})
	}
	t.Run("no-match", func(t *testing.T) {
		r := k.run(t, "get", "deploy", "-n", ns, "-l", "app=nope")
		if r.Code != 0 || strings.TrimSpace(r.Stdout) != "" || !strings.Contains(r.Stderr, "No resources found in "+ns+" namespace.") {
			t.Errorf("empty selection:\n%s", r)
		}
	})
	t.Run("all-namespaces", func(t *testing.T) {
		out := k.ok(t, "get", "deploy", "-A")
		if got := columns(lines(out)[0]); got != "NAMESPACE NAME READY UP-TO-DATE AVAILABLE AGE" {
			t.Errorf("-A header = %q", got)
		}
		if row := rowFor(out, 0, ns); len(row) < 2 || row[1] != "web" {
			t.Errorf("-A lacks %s/web:\n%s", ns, out)
		}
	})
	t.Run("show-labels", func(t *testing.T) {
		out := k.ok(t, "get", "deploy", "web", "-n", ns, "--show-labels")
		if got := columns(lines(out)[0]); got != "NAME READY UP-TO-DATE AVAILABLE AGE LABELS" {
			t.Errorf("--show-labels header = %q", got)
		}
		if row := rowFor(out, 0, "web"); len(row) != 6 || row[5] != "app=web" {
			t.Errorf("--show-labels row = %q", row)
		}
	})
}

// stepPodsWide creates a pod nobody schedules (no controllers, no nodes)
// and checks the -o wide columns.
func (k kubectl) stepPodsWide(t *testing.T, ns string) {
	expectLines(t, k.ok(t, "run", "lonely", "-n", ns, "--image=busybox:1.36", "--restart=Never", "--", "sleep", "3600"), "pod/lonely created")
	out := k.ok(t, "get", "pods", "-n", ns, "-o", "wide")
	if got := columns(lines(out)[0]); got != "NAME READY STATUS RESTARTS AGE IP NODE NOMINATED NODE READINESS GATES" {
		t.Errorf("pods -o wide header = %q", got)
	}
	row := rowFor(out, 0, "lonely")
	want := []string{"lonely", "0/1", "Pending", "0"}
	if len(row) != 9 || strings.Join(row[:4], " ") != strings.Join(want, " ") || strings.Join(row[5:], " ") != "<none> <none> <none> <none>" {
		t.Errorf("pods -o wide row = %q, want %q ... <none> x4", row, want)
	}
}

// stepWatch runs `get -w` in the background, changes the object and waits
// for the watch to print the change.
func (k kubectl) stepWatch(t *testing.T, ns string) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := k.s.KubectlCommand(ctx, k.bin, "get", "deploy", "web", "-n", ns, "-w", "-L", "tier")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting kubectl get -w: %v", err)
	}
	defer func() { cancel(); _ = cmd.Wait() }()
	seen := lineStream(ctx, stdout)
	awaitLine(t, seen, &stderr, func(l string) bool { return strings.HasPrefix(l, "web ") })
	expectLines(t, k.ok(t, "label", "deploy", "web", "-n", ns, "tier=frontend"), "deployment.apps/web labeled")
	awaitLine(t, seen, &stderr, func(l string) bool {
		f := strings.Fields(l)
		return len(f) > 0 && f[0] == "web" && f[len(f)-1] == "frontend"
	})
}

// awaitLine reads watch output until a line matches or 30 s pass.
func awaitLine(t *testing.T, seen <-chan string, stderr *strings.Builder, match func(string) bool) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	var got []string
	for {
		select {
		case l, ok := <-seen:
			if !ok {
				t.Fatalf("watch ended; output so far:\n%s\nstderr:\n%s", strings.Join(got, "\n"), stderr.String())
			}
			got = append(got, l)
			if match(l) {
				return
			}
		case <-timeout:
			t.Fatalf("watch printed no expected line in 30s; output so far:\n%s", strings.Join(got, "\n"))
		}
	}
}

func (k kubectl) stepDescribe(t *testing.T, ns string) {
	t.Run("deployment", func(t *testing.T) {
		out := k.ok(t, "describe", "deployment", "web", "-n", ns)
		expectMatches(t, out,
			`(?m)^Name:\s+web$`,
			`(?m)^Namespace:\s+`+ns+`$`,
			`(?m)^Selector:\s+app=web$`,
			`(?m)^Replicas:\s+1 desired`,
			`(?m)^StrategyType:\s+RollingUpdate$`,
			`(?m)^\s+Image:\s+nginx:1\.26$`,
			// The controllers' events (ScalingReplicaSet) may or may not
			// have arrived yet; the section is always there.
			`(?m)^Events:`,
		)
	})
	t.Run("configmap", func(t *testing.T) {
		out := k.ok(t, "describe", "configmap", "web-config", "-n", ns)
		expectMatches(t, out,
			`(?m)^Name:\s+web-config$`,
			`(?m)^Labels:\s+app=web$`,
			`(?m)^color:\n-+\nblue$`,
			`(?m)^Events:\s+<none>$`,
		)
	})
}

func expectMatches(t *testing.T, out string, patterns ...string) {
	t.Helper()
	for _, p := range patterns {
		if !regexp.MustCompile(p).MatchString(out) {
			t.Errorf("output does not match %s:\n%s", p, out)
		}
	}
}

func (k kubectl) stepLabelAnnotate(t *testing.T, ns string) {
	expectLines(t, k.ok(t, "label", "cm", "web-config", "-n", ns, "team=a"), "configmap/web-config labeled")
	k.expectJSONPath(t, ns, "cm/web-config", "{.metadata.labels.team}", "a")
	expectLines(t, k.ok(t, "label", "cm", "web-config", "-n", ns, "team=b", "--overwrite"), "configmap/web-config labeled")
	k.expectJSONPath(t, ns, "cm/web-config", "{.metadata.labels.team}", "b")
	expectLines(t, k.ok(t, "label", "cm", "web-config", "-n", ns, "team-"), "configmap/web-config unlabeled")
	k.expectJSONPath(t, ns, "cm/web-config", "{.metadata.labels}", `{"app":"web"}`)
	// kubectl 1.27 says "annotate" where the others say "annotated".
	if out := strings.TrimSpace(k.ok(t, "annotate", "cm", "web-config", "-n", ns, "note=hello")); out != "configmap/web-config annotated" && out != "configmap/web-config annotate" {
		t.Errorf("annotate printed %q", out)
	}
	k.expectJSONPath(t, ns, "cm/web-config", "{.metadata.annotations.note}", "hello")
}

func (k kubectl) stepPatch(t *testing.T, ns string) {
	t.Run("json", func(t *testing.T) {
		expectLines(t, k.ok(t, "patch", "cm", "web-config", "-n", ns, "--type=json",
			"-p", `[{"op":"replace","path":"/data/color","value":"red"}]`), "configmap/web-config patched")
		k.expectJSONPath(t, ns, "cm/web-config", "{.data.color}", "red")
	})
	t.Run("merge", func(t *testing.T) {
		expectLines(t, k.ok(t, "patch", "cm", "web-config", "-n", ns, "--type=merge",
			"-p", `{"data":{"size":"L"}}`), "configmap/web-config patched")
		k.expectJSONPath(t, ns, "cm/web-config", "{.data}", `{"color":"red","size":"L"}`)
	})
	t.Run("strategic", func(t *testing.T) {
		// Containers merge by name: the image must survive, unlike with a
		// JSON merge patch that would replace the whole list.
		expectLines(t, k.ok(t, "patch", "deploy", "web", "-n", ns, "--type=strategic",
			"-p", `{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"MODE","value":"prod"}]}]}}}}`),
			"deployment.apps/web patched")
		k.expectJSONPath(t, ns, "deploy/web", "{.spec.template.spec.containers[0].image}", "nginx:1.26")
		k.expectJSONPath(t, ns, "deploy/web", "{.spec.template.spec.containers[0].env[0].value}", "prod")
		k.expectJSONPath(t, ns, "deploy/web", "{.metadata.generation}", "3")
	})
	t.Run("no-change", func(t *testing.T) {
		expectLines(t, k.ok(t, "patch", "cm", "web-config", "-n", ns, "--type=merge",
			"-p", `{"data":{"size":"L"}}`), "configmap/web-config patched (no change)")
	})
}

func (k kubectl) stepEdit(t *testing.T, ns string) {
	editor := writeEditor(t, "s/color: red/color: green/")
	r := k.s.Run(t, cluster.Call{Bin: k.bin, Args: []string{"edit", "cm", "web-config", "-n", ns}, Env: []string{"EDITOR=" + editor}})
	expectLines(t, r.OK(t), "configmap/web-config edited")
	k.expectJSONPath(t, ns, "cm/web-config", "{.data.color}", "green")
}

func (k kubectl) stepScale(t *testing.T, ns string) {
	expectLines(t, k.ok(t, "scale", "deployment", "web", "-n", ns, "--replicas=3"), "deployment.apps/web scaled")
	k.expectJSONPath(t, ns, "deploy/web", "{.spec.replicas}", "3")
	out := k.ok(t, "get", "deploy", "web", "-n", ns)
	if row := rowFor(out, 0, "web"); len(row) < 2 || row[1] != "0/3" {
		t.Errorf("READY after scale = %q, want 0/3", row)
	}
}

func (k kubectl) stepDeleteFile(t *testing.T, ns string) {
	out := k.stdin(t, workloadYAML("nginx:1.26"), "delete", "-n", ns, "-f", "-").OK(t)
	expectLines(t, out,
		`deployment.apps "web" deleted`,
		`service "web" deleted`,
		`configmap "web-config" deleted`,
		`configmap "other-config" deleted`,
		`secret "web-secret" deleted`,
		`job.batch "once" deleted`,
		`cronjob.batch "nightly" deleted`,
		`ingress.networking.k8s.io "web" deleted`,
	)
	left := k.ok(t, "get", "deploy,svc,cm,secret,job,cronjob,ingress", "-n", ns, "-o", "name")
	for _, gone := range []string{"deployment.apps/web", "service/web", "configmap/web-config", "secret/web-secret", "job.batch/once", "cronjob.batch/nightly", "ingress.networking.k8s.io/web"} {
		if strings.Contains(left, gone+"\n") {
			t.Errorf("%s still listed after delete -f:\n%s", gone, left)
		}
	}
	r := k.run(t, "get", "deploy", "web", "-n", ns)
	if r.Code == 0 || !strings.Contains(r.Stderr, `Error from server (NotFound): deployments.apps "web" not found`) {
		t.Errorf("get after delete:\n%s", r)
	}
}
