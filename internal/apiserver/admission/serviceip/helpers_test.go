package serviceip

import (
	"context"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"rudder/internal/api"
	"rudder/internal/apiserver"
)

var servicesKind = &api.Kind{GVK: corev1.SchemeGroupVersion.WithKind("Service"), Resource: "services", Namespaced: true}

// env is one etcd with a plugin on its own client.
type env struct {
	t        *testing.T
	endpoint string
	client   *clientv3.Client
	p        *Plugin
}

func newEnv(t *testing.T, cidr, ports string, opts ...Option) *env {
	t.Helper()
	ep := startEtcd(t)
	c := newClient(t, ep)
	p, err := New(c, cidr, ports, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &env{t: t, endpoint: ep, client: c, p: p}
}

func defaultEnv(t *testing.T) *env { return newEnv(t, "10.43.0.0/16", "30000-32767") }

type svcOpt func(*corev1.Service)

func svc(name string, typ corev1.ServiceType, opts ...svcOpt) *corev1.Service {
	s := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec:       corev1.ServiceSpec{Type: typ, Ports: []corev1.ServicePort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP}}},
	}
	if typ == corev1.ServiceTypeExternalName {
		s.Spec.ExternalName = "example.com"
		s.Spec.Ports = nil
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

func withIP(ip string) svcOpt {
	return func(s *corev1.Service) { s.Spec.ClusterIP, s.Spec.ClusterIPs = ip, []string{ip} }
}

func withNodePort(i int, np int32) svcOpt {
	return func(s *corev1.Service) { s.Spec.Ports[i].NodePort = np }
}

func withPort(name string, port int32, proto corev1.Protocol) svcOpt {
	return func(s *corev1.Service) {
		s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Name: name, Port: port, Protocol: proto})
	}
}

func createAttrs(s *corev1.Service, dry bool) *apiserver.Attributes {
	return &apiserver.Attributes{Kind: servicesKind, Operation: apiserver.Create, Namespace: s.Namespace, Name: s.Name, Object: s, DryRun: dry}
}

func updateAttrs(s, old *corev1.Service) *apiserver.Attributes {
	return &apiserver.Attributes{Kind: servicesKind, Operation: apiserver.Update, Namespace: s.Namespace, Name: s.Name, Object: s, Old: old}
}

// create admits a new service and fails the test on error.
func (e *env) create(ctx context.Context, s *corev1.Service) *corev1.Service {
	e.t.Helper()
	if err := e.p.Admit(ctx, createAttrs(s, false)); err != nil {
		e.t.Fatalf("admit create %s: %v", s.Name, err)
	}
	return s
}

// update admits old -> s as a request on its own context, which ends
// (as an HTTP request's does) when update returns.
func (e *env) update(s, old *corev1.Service) error {
	e.t.Helper()
	ctx, cancel := context.WithCancel(testCtx(e.t))
	defer cancel()
	return e.p.Admit(ctx, updateAttrs(s, old))
}

// keys lists the allocation keys of a prefix, without the prefix.
func (e *env) keys(prefix string) []string {
	e.t.Helper()
	resp, err := e.client.Get(testCtx(e.t), prefix, clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		e.t.Fatalf("list %s: %v", prefix, err)
	}
	var out []string
	for _, kv := range resp.Kvs {
		out = append(out, strings.TrimPrefix(string(kv.Key), prefix))
	}
	sort.Strings(out)
	return out
}

func (e *env) ipKeys() []string   { return e.keys(IPPrefix) }
func (e *env) portKeys() []string { return e.keys(NodePortPrefix) }

// waitKeys waits until the keys of prefix are want (releases done when a
// request ends happen in the background).
func (e *env) waitKeys(prefix string, want []string) {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := e.keys(prefix)
		if strings.Join(got, ",") == strings.Join(want, ",") {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("keys under %s: got %v, want %v", prefix, got, want)
		}
		time.Sleep(10 * time.Millisecond) // polling a condition, not synchronising on time
	}
}

// wantInvalid checks a 422 with one cause on field and message.
func wantInvalid(t *testing.T, err error, field, message string) {
	t.Helper()
	var se *apierrors.StatusError
	if !errors.As(err, &se) || se.ErrStatus.Code != 422 {
		t.Fatalf("want a 422 Invalid error, got %v", err)
	}
	d := se.ErrStatus.Details
	if d == nil || len(d.Causes) != 1 {
		t.Fatalf("want one cause, got %+v", d)
	}
	if c := d.Causes[0]; c.Field != field || !strings.Contains(c.Message, message) {
		t.Fatalf("cause = %s: %q, want %s: ...%q", c.Field, c.Message, field, message)
	}
	if !strings.Contains(se.ErrStatus.Message, field+": Invalid value") {
		t.Fatalf("message %q does not name %s", se.ErrStatus.Message, field)
	}
}

func nodePorts(s *corev1.Service) []int32 {
	var out []int32
	for _, p := range s.Spec.Ports {
		out = append(out, p.NodePort)
	}
	return out
}
