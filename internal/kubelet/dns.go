package kubelet

import (
	"bufio"
	"bytes"
	"os"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Kubernetes' limits on a pod's resolver configuration.
const (
	maxNameservers = 3
	maxSearches    = 32
)

// resolver is a resolv.conf: nameservers, search domains, options.
type resolver struct {
	Servers  []string
	Searches []string
	Options  []string
}

// parseResolvConf reads the nameserver, search/domain and options lines.
func parseResolvConf(data []byte) resolver {
	var r resolver
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || strings.HasPrefix(f[0], "#") || strings.HasPrefix(f[0], ";") {
			continue
		}
		switch f[0] {
		case "nameserver":
			r.Servers = append(r.Servers, f[1])
		case "search", "domain":
			r.Searches = f[1:]
		case "options":
			r.Options = append(r.Options, f[1:]...)
		}
	}
	return r
}

// hostResolverTTL bounds how stale the cached host resolv.conf may be;
// reading and parsing it on every pod sync was a visible share of a
// simulated node's CPU.
const hostResolverTTL = 30 * time.Second

// hostResolverCache holds the parsed host resolv.conf.
type hostResolverCache struct {
	mu   sync.Mutex
	at   time.Time
	last resolver
}

// hostResolver is the node's resolver (dnsPolicy Default); callers get a
// copy they may append to.
func (k *Kubelet) hostResolver() resolver {
	if k.cfg.ResolvConf == "" {
		return resolver{}
	}
	c := &k.resolvCache
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at.IsZero() || time.Since(c.at) > hostResolverTTL {
		data, err := os.ReadFile(k.cfg.ResolvConf)
		if err != nil {
			k.log.Warn("read host resolv.conf", "path", k.cfg.ResolvConf, "err", err)
			return resolver{}
		}
		c.last, c.at = parseResolvConf(data), time.Now()
	}
	return resolver{
		Servers:  append([]string(nil), c.last.Servers...),
		Searches: append([]string(nil), c.last.Searches...),
		Options:  append([]string(nil), c.last.Options...),
	}
}

// podResolver follows the pod's dnsPolicy: ClusterFirst (the default;
// Default for hostNetwork pods), ClusterFirstWithHostNet, Default or None;
// then merges spec.dnsConfig.
func (k *Kubelet) podResolver(pod *corev1.Pod) resolver {
	host := k.hostResolver()
	var r resolver
	switch policy := pod.Spec.DNSPolicy; {
	case policy == corev1.DNSNone:
	case policy == corev1.DNSDefault || len(k.cfg.ClusterDNS) == 0 ||
		(policy != corev1.DNSClusterFirstWithHostNet && pod.Spec.HostNetwork):
		r = host
	default:
		d := k.cfg.ClusterDomain
		r.Servers = append([]string(nil), k.cfg.ClusterDNS...)
		r.Searches = append([]string{pod.Namespace + ".svc." + d, "svc." + d, d}, host.Searches...)
		r.Options = []string{"ndots:5"}
	}
	if pc := pod.Spec.DNSConfig; pc != nil {
		r.Servers = append(r.Servers, pc.Nameservers...)
		r.Searches = append(r.Searches, pc.Searches...)
		r.Options = mergeOptions(r.Options, pc.Options)
	}
	r.Servers = truncate(dedupe(r.Servers), maxNameservers)
	r.Searches = truncate(dedupe(r.Searches), maxSearches)
	return r
}

// mergeOptions lets the pod's options replace those of the same name.
func mergeOptions(base []string, pod []corev1.PodDNSConfigOption) []string {
	var out []string
	override := map[string]bool{}
	for _, o := range pod {
		override[o.Name] = true
	}
	for _, o := range base {
		if name, _, _ := strings.Cut(o, ":"); !override[name] {
			out = append(out, o)
		}
	}
	for _, o := range pod {
		opt := o.Name
		if o.Value != nil {
			opt += ":" + *o.Value
		}
		out = append(out, opt)
	}
	return out
}

func dedupe(list []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func truncate(list []string, n int) []string {
	if len(list) > n {
		return list[:n]
	}
	return list
}

// render is the resolv.conf text.
func (r resolver) render() string {
	var b strings.Builder
	if len(r.Searches) > 0 {
		b.WriteString("search " + strings.Join(r.Searches, " ") + "\n")
	}
	for _, s := range r.Servers {
		b.WriteString("nameserver " + s + "\n")
	}
	if len(r.Options) > 0 {
		b.WriteString("options " + strings.Join(r.Options, " ") + "\n")
	}
	return b.String()
}
