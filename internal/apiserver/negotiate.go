package apiserver

import (
	"mime"
	"net/http"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
)

const (
	mediaJSON     = "application/json"
	mediaYAML     = "application/yaml"
	mediaProtobuf = "application/vnd.kubernetes.protobuf"
)

// newScheme knows every built-in type plus meta.k8s.io/v1 (Table,
// PartialObjectMetadata) that responses may be converted to.
// NewScheme is the scheme the API server encodes with.
func NewScheme() *runtime.Scheme { return newScheme() }

func newScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		panic(err) // static registration of library types cannot fail
	}
	metav1.AddMetaToScheme(s)
	return s
}

// target is what the client asked the response to be converted to.
type target int

const (
	asObject target = iota
	asTable
	asPartialMetadata
)

// outputFormat is the negotiated response encoding.
type outputFormat struct {
	info   runtime.SerializerInfo
	target target
}

// negotiate picks the first Accept entry we can serve. ok is false when
// none can be served (406).
func negotiate(codecs serializer.CodecFactory, r *http.Request) (outputFormat, bool) {
	accept := r.Header.Get("Accept")
	if accept == "" {
		accept = mediaJSON
	}
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		t := asObject
		switch params["as"] {
		case "":
		case "Table":
			if params["g"] != "meta.k8s.io" || (params["v"] != "v1" && params["v"] != "v1beta1") {
				continue
			}
			t = asTable
		case "PartialObjectMetadata", "PartialObjectMetadataList":
			if params["g"] != "meta.k8s.io" || params["v"] != "v1" {
				continue
			}
			t = asPartialMetadata
		default:
			continue
		}
		if mt == "*/*" || mt == "application/*" {
			mt = mediaJSON
		}
		info, ok := runtime.SerializerInfoForMediaType(codecs.SupportedMediaTypes(), mt)
		if !ok {
			continue
		}
		return outputFormat{info: info, target: t}, true
	}
	return outputFormat{}, false
}

// bodyFormat finds the serializer for a request body's Content-Type.
func bodyFormat(codecs serializer.CodecFactory, r *http.Request) (runtime.SerializerInfo, bool) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		ct = mediaJSON
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return runtime.SerializerInfo{}, false
	}
	return runtime.SerializerInfoForMediaType(codecs.SupportedMediaTypes(), mt)
}
