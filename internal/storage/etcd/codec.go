package etcd

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
)

const protobufMediaType = runtime.ContentTypeProtobuf

// Codec returns the protobuf codec Kubernetes itself stores objects with:
// objects are encoded as gv (with the "k8s\x00" envelope) and decoded back
// to the Go type registered for gv in scheme. It panics if the scheme has
// no protobuf serializer, which is a programming error.
func Codec(scheme *runtime.Scheme, gv schema.GroupVersion) runtime.Codec {
	factory := serializer.NewCodecFactory(scheme)
	info, ok := runtime.SerializerInfoForMediaType(factory.SupportedMediaTypes(), protobufMediaType)
	if !ok {
		panic("etcd.Codec: codec factory has no protobuf serializer")
	}
	return factory.CodecForVersions(info.Serializer, info.Serializer, gv, gv)
}
