package endpoints

import (
	"context"
	"fmt"
	"net"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// KubernetesServiceName is the Service through which pods reach the API
// server.
const KubernetesServiceName = "kubernetes"

// reconcileKubernetesService makes default/kubernetes, its Endpoints and its
// EndpointSlice point at the API server, as kube-apiserver's own endpoint
// reconciler does. The Service has no selector, so nothing else writes its
// endpoints.
func (c *Controller) reconcileKubernetesService(ctx context.Context) error {
	if err := c.ensureKubernetesService(ctx); err != nil {
		return err
	}
	if err := c.ensureKubernetesEndpoints(ctx); err != nil {
		return err
	}
	// EndpointSlice validation refuses loopback addresses (a pod could not
	// reach them anyway); a single-machine server advertising 127.0.0.1
	// then has only the Endpoints.
	if ip := net.ParseIP(c.opts.APIServerAddress); ip == nil || ip.IsLoopback() {
		return nil
	}
	return c.ensureKubernetesSlice(ctx)
}

func (c *Controller) apiPort() corev1.EndpointPort {
	return corev1.EndpointPort{Name: "https", Port: c.opts.APIServerPort, Protocol: corev1.ProtocolTCP}
}

func (c *Controller) ensureKubernetesService(ctx context.Context) error {
	ports := []corev1.ServicePort{{
		Name: "https", Port: 443, Protocol: corev1.ProtocolTCP,
		TargetPort: intstr.FromInt32(c.opts.APIServerPort),
	}}
	api := c.client.CoreV1().Services(metav1.NamespaceDefault)
	cur, err := api.Get(ctx, KubernetesServiceName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		svc := &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: KubernetesServiceName, Namespace: metav1.NamespaceDefault,
				Labels: map[string]string{"component": "apiserver", "provider": "kubernetes"}},
			Spec: corev1.ServiceSpec{
				Type: corev1.ServiceTypeClusterIP, ClusterIP: c.opts.KubernetesServiceIP,
				ClusterIPs: []string{c.opts.KubernetesServiceIP}, Ports: ports,
				SessionAffinity: corev1.ServiceAffinityNone,
			},
		}
		if _, err := api.Create(ctx, svc, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating kubernetes service: %w", err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading kubernetes service: %w", err)
	}
	if len(cur.Spec.Ports) == 1 && cur.Spec.Ports[0].Port == 443 && cur.Spec.Ports[0].TargetPort == ports[0].TargetPort {
		return nil
	}
	// Someone changed the ports: put them back (the cluster IP cannot be
	// changed in place, so it is left alone).
	cur.Spec.Ports = ports
	if _, err := api.Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("restoring kubernetes service ports: %w", err)
	}
	return nil
}

func (c *Controller) ensureKubernetesEndpoints(ctx context.Context) error {
	want := []corev1.EndpointSubset{{
		Addresses: []corev1.EndpointAddress{{IP: c.opts.APIServerAddress}},
		Ports:     []corev1.EndpointPort{c.apiPort()},
	}}
	api := c.client.CoreV1().Endpoints(metav1.NamespaceDefault)
	cur, err := api.Get(ctx, KubernetesServiceName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		ep := &corev1.Endpoints{
			ObjectMeta: metav1.ObjectMeta{Name: KubernetesServiceName, Namespace: metav1.NamespaceDefault,
				Labels: map[string]string{SkipMirrorLabel: "true"}},
			Subsets: want,
		}
		if _, err := api.Create(ctx, ep, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating kubernetes endpoints: %w", err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading kubernetes endpoints: %w", err)
	}
	if apiequality.Semantic.DeepEqual(cur.Subsets, want) {
		return nil
	}
	cur.Subsets = want
	if _, err := api.Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("updating kubernetes endpoints: %w", err)
	}
	return nil
}

func (c *Controller) ensureKubernetesSlice(ctx context.Context) error {
	port := c.apiPort()
	addrType := discoveryv1.AddressTypeIPv4
	if ip := net.ParseIP(c.opts.APIServerAddress); ip != nil && ip.To4() == nil {
		addrType = discoveryv1.AddressTypeIPv6
	}
	endpoints := []discoveryv1.Endpoint{{
		Addresses:  []string{c.opts.APIServerAddress},
		Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(true)},
	}}
	ports := []discoveryv1.EndpointPort{{Name: ptr.To(port.Name), Port: ptr.To(port.Port), Protocol: ptr.To(port.Protocol)}}
	api := c.client.DiscoveryV1().EndpointSlices(metav1.NamespaceDefault)
	cur, err := api.Get(ctx, KubernetesServiceName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		s := &discoveryv1.EndpointSlice{
			ObjectMeta: metav1.ObjectMeta{Name: KubernetesServiceName, Namespace: metav1.NamespaceDefault,
				Labels: map[string]string{discoveryv1.LabelServiceName: KubernetesServiceName}},
			AddressType: addrType, Endpoints: endpoints, Ports: ports,
		}
		if _, err := api.Create(ctx, s, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating kubernetes endpointslice: %w", err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading kubernetes endpointslice: %w", err)
	}
	if apiequality.Semantic.DeepEqual(cur.Endpoints, endpoints) && apiequality.Semantic.DeepEqual(cur.Ports, ports) {
		return nil
	}
	cur.Endpoints, cur.Ports = endpoints, ports
	if _, err := api.Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("updating kubernetes endpointslice: %w", err)
	}
	return nil
}
