package framework

// DefaultBindAllHostIP is the wildcard host IP; a port on it conflicts with
// the same port on every address.
const DefaultBindAllHostIP = "0.0.0.0"

type protocolPort struct {
	protocol string
	port     int32
}

// HostPortInfo counts host ports in use by IP, protocol and port.
type HostPortInfo map[string]map[protocolPort]int

func normalize(ip, protocol string) (string, string) {
	if ip == "" {
		ip = DefaultBindAllHostIP
	}
	if protocol == "" {
		protocol = "TCP"
	}
	return ip, protocol
}

// Add records a port in use.
func (h HostPortInfo) Add(ip, protocol string, port int32) {
	ip, protocol = normalize(ip, protocol)
	if h[ip] == nil {
		h[ip] = map[protocolPort]int{}
	}
	h[ip][protocolPort{protocol, port}]++
}

// Remove releases a port.
func (h HostPortInfo) Remove(ip, protocol string, port int32) {
	ip, protocol = normalize(ip, protocol)
	pp := protocolPort{protocol, port}
	if h[ip] == nil {
		return
	}
	if h[ip][pp]--; h[ip][pp] <= 0 {
		delete(h[ip], pp)
	}
	if len(h[ip]) == 0 {
		delete(h, ip)
	}
}

// CheckConflict reports whether the port is already taken on that address
// (or on any address when ip is the wildcard).
func (h HostPortInfo) CheckConflict(ip, protocol string, port int32) bool {
	ip, protocol = normalize(ip, protocol)
	pp := protocolPort{protocol, port}
	if ip == DefaultBindAllHostIP {
		for _, ports := range h {
			if ports[pp] > 0 {
				return true
			}
		}
		return false
	}
	return h[ip][pp] > 0 || h[DefaultBindAllHostIP][pp] > 0
}

// Clone copies the port table.
func (h HostPortInfo) Clone() HostPortInfo {
	out := HostPortInfo{}
	for ip, ports := range h {
		out[ip] = map[protocolPort]int{}
		for k, v := range ports {
			out[ip][k] = v
		}
	}
	return out
}
