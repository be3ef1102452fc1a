package kubelet

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

const hostsHeader = `# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
`

// podHostsFile is a pod's /etc/hosts: the localhost lines, each pod IP
// with the pod's hostname (its FQDN first when spec.subdomain is set),
// then spec.hostAliases. hostNetwork pods get the node's file instead
// (hostFile), plus their aliases.
func podHostsFile(pod *corev1.Pod, podIPs []string, clusterDomain string, hostFile []byte) string {
	var b strings.Builder
	if pod.Spec.HostNetwork {
		b.WriteString("# Kubernetes-managed hosts file (host network).\n")
		b.Write(hostFile)
		if len(hostFile) > 0 && hostFile[len(hostFile)-1] != '\n' {
			b.WriteByte('\n')
		}
	} else {
		b.WriteString(hostsHeader)
		names := podHostname(pod)
		if pod.Spec.Subdomain != "" {
			fqdn := fmt.Sprintf("%s.%s.%s.svc.%s", podHostname(pod), pod.Spec.Subdomain, pod.Namespace, clusterDomain)
			names = fqdn + "\t" + names
		}
		for _, ip := range podIPs {
			b.WriteString(ip + "\t" + names + "\n")
		}
	}
	if len(pod.Spec.HostAliases) > 0 {
		b.WriteString("\n# Entries added by HostAliases.\n")
		for _, a := range pod.Spec.HostAliases {
			b.WriteString(a.IP + "\t" + strings.Join(a.Hostnames, "\t") + "\n")
		}
	}
	return b.String()
}
