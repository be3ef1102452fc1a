package apiserver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// KubeletClient is how the API server reaches node agents: with its own
// client certificate (CN system:apiserver), verifying each agent's serving
// certificate against the cluster CA and the node's name.
type KubeletClient struct {
	ClientCert tls.Certificate
	RootCAs    *x509.CertPool
}

var (
	podsGVR  = schema.GroupVersionResource{Version: "v1", Resource: "pods"}
	nodesGVR = schema.GroupVersionResource{Version: "v1", Resource: "nodes"}
	podsGR   = schema.GroupResource{Resource: "pods"}
)

// kubeletNodePrefix is the CN prefix of node serving certificates.
const kubeletNodePrefix = "system:node:"

// EnableKubeletProxy serves pods/log, pods/exec, pods/attach and
// pods/portforward by proxying them to the pod's node agent. Call it
// before serving. Upgrades (websocket, SPDY) are passed through unchanged:
// the agent speaks both.
func (s *Server) EnableKubeletProxy(c KubeletClient) {
	if s.cfg.Subresources == nil {
		s.cfg.Subresources = map[string]SubresourceHandler{}
	}
	for _, sub := range []string{"log", "exec", "attach", "portforward"} {
		s.cfg.Subresources["pods/"+sub] = s.podConnect(sub, c)
	}
}

func (s *Server) podConnect(sub string, c KubeletClient) SubresourceHandler {
	return func(w http.ResponseWriter, r *http.Request, namespace, name string, _ []string) {
		if err := checkConnectMethod(sub, r.Method); err != nil {
			writeConnectError(w, err)
			return
		}
		pod, err := s.getPod(r.Context(), namespace, name)
		if err != nil {
			writeConnectError(w, err)
			return
		}
		path, err := kubeletPath(sub, pod, r.URL.Query())
		if err != nil {
			writeConnectError(w, err)
			return
		}
		node, endpoint, err := s.kubeletEndpoint(r.Context(), pod)
		if err != nil {
			writeConnectError(w, err)
			return
		}
		s.proxyToKubelet(w, r, c, node, &url.URL{Scheme: "https", Host: endpoint, Path: path, RawQuery: r.URL.RawQuery})
	}
}

// writeConnectError answers with a v1 Status in JSON whatever the client
// accepts: log and stream clients ask for text or upgrades, and kubectl
// prints the Status message ("Error from server (BadRequest): ...").
func writeConnectError(w http.ResponseWriter, err error) {
	st := toStatus(err)
	st.APIVersion, st.Kind = "v1", "Status"
	writeJSON(w, int(st.Code), st)
}

func checkConnectMethod(sub, method string) error {
	ok := method == http.MethodGet || (sub != "log" && method == http.MethodPost)
	if !ok {
		return apierrors.NewMethodNotSupported(schema.GroupResource{Resource: "pods/" + sub}, strings.ToLower(method))
	}
	return nil
}

func (s *Server) getPod(ctx context.Context, namespace, name string) (*corev1.Pod, error) {
	obj, err := s.kinds[podsGVR].get(ctx, namespace, name, "")
	if err != nil {
		return nil, err
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return nil, fmt.Errorf("stored pod %s/%s is a %T", namespace, name, obj)
	}
	return pod, nil
}

// kubeletPath checks the request against the pod and names the agent's
// endpoint for it.
func kubeletPath(sub string, pod *corev1.Pod, q url.Values) (string, error) {
	base := url.PathEscape(pod.Namespace) + "/" + url.PathEscape(pod.Name)
	if sub == "portforward" {
		if pod.Status.Phase != corev1.PodRunning {
			return "", apierrors.NewBadRequest(fmt.Sprintf("pod %s is not running (phase %s): unable to forward ports", pod.Name, pod.Status.Phase))
		}
		return "/portForward/" + base, nil
	}
	ctr, err := podContainer(pod, q.Get("container"))
	if err != nil {
		return "", err
	}
	switch sub {
	case "log":
		return "/containerLogs/" + base + "/" + url.PathEscape(ctr), nil
	case "exec", "attach":
		if p := pod.Status.Phase; p == corev1.PodSucceeded || p == corev1.PodFailed {
			verb := map[string]string{"exec": "exec into", "attach": "attach to"}[sub]
			return "", apierrors.NewBadRequest(fmt.Sprintf("cannot %s a container in a completed pod; current phase is %s", verb, p))
		}
		return "/" + sub + "/" + base + "/" + url.PathEscape(ctr), nil
	}
	return "", fmt.Errorf("unknown connect subresource %q", sub)
}

// podContainer validates the requested container, defaulting to the only
// one, with kube-apiserver's messages.
func podContainer(pod *corev1.Pod, name string) (string, error) {
	if name == "" {
		if len(pod.Spec.Containers) == 1 {
			return pod.Spec.Containers[0].Name, nil
		}
		names := make([]string, 0, len(pod.Spec.Containers))
		for _, c := range pod.Spec.Containers {
			names = append(names, c.Name)
		}
		return "", apierrors.NewBadRequest(fmt.Sprintf("a container name must be specified for pod %s, choose one of: %v", pod.Name, names))
	}
	for _, c := range pod.Spec.Containers {
		if c.Name == name {
			return name, nil
		}
	}
	for _, c := range pod.Spec.InitContainers {
		if c.Name == name {
			return name, nil
		}
	}
	for _, c := range pod.Spec.EphemeralContainers {
		if c.Name == name {
			return name, nil
		}
	}
	return "", apierrors.NewBadRequest(fmt.Sprintf("container %s is not valid for pod %s", name, pod.Name))
}

// kubeletEndpoint finds host:port of the agent running pod, from its
// Node's status.
func (s *Server) kubeletEndpoint(ctx context.Context, pod *corev1.Pod) (string, string, error) {
	if pod.Spec.NodeName == "" {
		return "", "", apierrors.NewBadRequest(fmt.Sprintf("pod %s does not have a host assigned", pod.Name))
	}
	obj, err := s.kinds[nodesGVR].get(ctx, "", pod.Spec.NodeName, "")
	if err != nil {
		return "", "", err
	}
	node, ok := obj.(*corev1.Node)
	if !ok {
		return "", "", fmt.Errorf("stored node %s is a %T", pod.Spec.NodeName, obj)
	}
	port := node.Status.DaemonEndpoints.KubeletEndpoint.Port
	if port <= 0 {
		return "", "", apierrors.NewServiceUnavailable(fmt.Sprintf("node %s does not publish a kubelet endpoint", node.Name))
	}
	addr := nodeAddress(node)
	if addr == "" {
		return "", "", apierrors.NewServiceUnavailable(fmt.Sprintf("node %s has no address", node.Name))
	}
	return node.Name, net.JoinHostPort(addr, strconv.Itoa(int(port))), nil
}

// nodeAddress prefers the InternalIP, as kube-apiserver's default
// --kubelet-preferred-address-types does.
func nodeAddress(node *corev1.Node) string {
	for _, t := range []corev1.NodeAddressType{corev1.NodeInternalIP, corev1.NodeExternalIP, corev1.NodeHostName} {
		for _, a := range node.Status.Addresses {
			if a.Type == t && a.Address != "" {
				return a.Address
			}
		}
	}
	return ""
}

// proxyToKubelet forwards the request and streams the answer: a log
// response is flushed as it arrives, an upgrade (101) becomes a spliced
// connection between the client and the agent.
func (s *Server) proxyToKubelet(w http.ResponseWriter, r *http.Request, c KubeletClient, node string, target *url.URL) {
	transport := kubeletTransport(c, node)
	defer transport.CloseIdleConnections()
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL = target
			pr.Out.Host = target.Host
			// Credentials of the user never go to the node.
			pr.Out.Header.Del("Authorization")
		},
		Transport:     transport,
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(err, context.Canceled) {
				return // the client left
			}
			writeConnectError(w, apierrors.NewServiceUnavailable(fmt.Sprintf("error dialing backend: %v", err)))
		},
	}
	rp.ServeHTTP(w, r)
}

// kubeletTransport trusts an agent only if its certificate chains to the
// cluster CA and names the node we mean to reach, whatever address it
// answers on.
func kubeletTransport(c KubeletClient, node string) *http.Transport {
	return &http.Transport{
		Proxy:             nil,
		ForceAttemptHTTP2: false,
		TLSClientConfig: &tls.Config{
			Certificates:       []tls.Certificate{c.ClientCert},
			MinVersion:         tls.VersionTLS12,
			NextProtos:         []string{"http/1.1"},
			InsecureSkipVerify: true, // replaced by VerifyConnection below
			VerifyConnection: func(cs tls.ConnectionState) error {
				return verifyKubeletCert(cs, c.RootCAs, node)
			},
		},
	}
}

func verifyKubeletCert(cs tls.ConnectionState, roots *x509.CertPool, node string) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("node agent presented no certificate")
	}
	leaf := cs.PeerCertificates[0]
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
		return fmt.Errorf("node agent certificate: %w", err)
	}
	if want := kubeletNodePrefix + node; leaf.Subject.CommonName != want {
		return fmt.Errorf("node agent certificate is for %q, want %q", leaf.Subject.CommonName, want)
	}
	return nil
}
