// Package clientconfig says how Rudder's own components (controllers,
// scheduler, node agents) talk to the API server.
package clientconfig

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
)

// Component makes cfg a component's client: protobuf on the wire, as
// Kubernetes' own components use (decoding and encoding pods as JSON was
// a large share of both ends' CPU at scale; JSON stays acceptable for
// anything that has no protobuf form), and the given client-side limits.
func Component(cfg *rest.Config, qps float32, burst int) *rest.Config {
	cfg.ContentType = runtime.ContentTypeProtobuf
	cfg.AcceptContentTypes = runtime.ContentTypeProtobuf + "," + runtime.ContentTypeJSON
	cfg.QPS, cfg.Burst = qps, burst
	return cfg
}
