package node

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"

	"rudder/test/e2e/cluster"
)

// secondPodCIDR is the second node's range when node IPAM does not assign
// one.
const secondPodCIDR = "10.42.1.0/24"

// testSecondNode: a node in its own network namespace joins with the token,
// becomes Ready without admin credentials, and pods on the two nodes reach
// each other by pod IP.
func testSecondNode(t *testing.T, s *cluster.Server, ns *cluster.NetNS, node1 string) {
	e := newEnv(t, s)
	name := "rdr-n2-" + randSuffix()
	cfg := cluster.RealAgentConfig{
		NodeName: name, NetNS: ns.Name, NodeIP: ns.NSIP, Bridge: "rudder1",
		ServerURL: "https://" + ns.HostIP + ":" + strconv.Itoa(s.Port),
	}
	if os.Getenv("RUDDER_E2E_NO_IPAM") != "" {
		cfg.PodCIDR = secondPodCIDR
	}
	a := cluster.StartRealAgent(t, s, cfg)
	n, err := e.cs.CoreV1().Nodes().Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n.Spec.PodCIDR == "" || strings.HasPrefix(n.Spec.PodCIDR, "10.42.0.") {
		t.Errorf("second node's pod CIDR %q: want its own range of 10.42.0.0/16", n.Spec.PodCIDR)
	}
	assertNoAdminCredentials(t, s, a.DataDir)

	e.apply(fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: p1}
spec:
  nodeName: %s
  containers:
  - {name: c, image: busybox, command: ["sleep", "3600"]}
---
apiVersion: v1
kind: Pod
metadata: {name: p2}
spec:
  nodeName: %s
  containers:
  - name: c
    image: busybox
    command: ["sh", "-c", "echo from-node2 > /tmp/index.html; httpd -f -p 8080 -h /tmp"]
`, node1, name))
	e.waitRunning("p1")
	p2 := e.waitRunning("p2")
	url := "http://" + p2.Status.PodIP + ":8080/"
	// From the host: the first node's route to the second node's range.
	waitHTTP(t, url, "from-node2\n", 30*time.Second)
	// Pod to pod across nodes.
	eventually(t, 30*time.Second, "p1 reaches p2", func() error {
		// busybox-static's wget crashes with -T: bound it with timeout.
		r := e.kubectl("exec", "p1", "--", "timeout", "5", "wget", "-qO-", url)
		if r.Code != 0 || r.Stdout != "from-node2\n" {
			return fmt.Errorf("%s", r)
		}
		return nil
	})
	// Streams reach the second node too (its node server, via the API).
	if out := e.kubectl("exec", "p2", "--", "cat", "/tmp/index.html").OK(t); out != "from-node2\n" {
		t.Errorf("exec on the second node: %q", out)
	}
}

// filesWithAdminCredentials lists the files under dir holding the admin
// client certificate or key of kubeconfig (as PEM or base64 of PEM).
func filesWithAdminCredentials(kubeconfig, dir string) ([]string, error) {
	cfg, err := clientcmd.LoadFromFile(kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("loading admin kubeconfig: %w", err)
	}
	var secrets [][]byte
	for _, u := range cfg.AuthInfos {
		for _, data := range [][]byte{u.ClientCertificateData, u.ClientKeyData} {
			if blk, _ := pem.Decode(data); blk != nil {
				// The first PEM line: it holds the certificate's random
				// serial or the key's secret, unlike the common headers.
				body := base64.StdEncoding.EncodeToString(blk.Bytes)
				secrets = append(secrets, []byte(body[:64]))
				// As a kubeconfig embeds it.
				secrets = append(secrets, []byte(base64.StdEncoding.EncodeToString(data)))
			}
		}
	}
	if len(secrets) == 0 {
		return nil, fmt.Errorf("no client credentials in %s", kubeconfig)
	}
	var found []string
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		for _, s := range secrets {
			if bytes.Contains(b, s) {
				found = append(found, path)
				break
			}
		}
		return nil
	})
	return found, err
}

// assertNoAdminCredentials fails if a file under dir holds the admin
// credentials. The server's data dir, which does hold them, is the
// control that the search finds them at all.
func assertNoAdminCredentials(t *testing.T, s *cluster.Server, dir string) {
	t.Helper()
	control, err := filesWithAdminCredentials(s.Kubeconfig(), s.DataDir)
	if err != nil || !slices.Contains(control, s.Kubeconfig()) {
		t.Fatalf("the search does not find the admin kubeconfig itself: %v, %v", control, err)
	}
	found, err := filesWithAdminCredentials(s.Kubeconfig(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) > 0 {
		t.Errorf("the node's data dir holds admin credentials in %v", found)
	}
}
