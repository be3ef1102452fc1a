package openapi

import (
	"reflect"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Types whose JSON form is not their Go structure (they have their own
// MarshalJSON). They keep a named definition, as in Kubernetes, so clients
// such as kubectl explain show e.g. <Quantity>.
var (
	intOrStringType  = reflect.TypeOf(intstr.IntOrString{})
	rawExtensionType = reflect.TypeOf(runtime.RawExtension{})
	fieldsV1Type     = reflect.TypeOf(metav1.FieldsV1{})
)

// specialDescriptions documents the special types that have no SwaggerDoc.
var specialDescriptions = map[string]string{
	"Time": "Time is a timestamp written in RFC 3339 form with one-second precision " +
		"(for example 2006-01-02T15:04:05Z). It is written as null when unset.",
	"MicroTime": "MicroTime is a timestamp written in RFC 3339 form with microsecond " +
		"precision (for example 2006-01-02T15:04:05.000000Z).",
	"Duration": "Duration is a length of time written in Go duration syntax, " +
		"for example \"30s\", \"1m30s\" or \"2h\".",
	"Quantity": "Quantity is a fixed-point number written as a string: a signed number " +
		"followed by an optional suffix. Binary suffixes are Ki, Mi, Gi, Ti, Pi, Ei " +
		"(powers of 2); decimal suffixes are n, u, m, \"\", k, M, G, T, P, E (powers " +
		"of 10); a decimal exponent (e or E) is accepted too. Examples: \"100m\" of a " +
		"CPU, \"128Mi\" of memory, \"1.5\", \"1e3\". The server keeps the suffix style " +
		"of the input when it writes the value back in canonical form.",
	"IntOrString": "IntOrString holds either an integer or a string. In JSON and YAML it " +
		"is written as the value it holds, so a field of this type accepts, for " +
		"example, both a port number and a port name.",
	"RawExtension": "RawExtension holds a complete embedded object, written inline as " +
		"JSON with its own apiVersion and kind.",
}

// specialSchema returns the schema of a type that must not be described by
// its Go structure; ok is false for ordinary types. With oneOf (OpenAPI v3),
// types that accept several JSON types (IntOrString, Quantity) list them in
// oneOf instead of a single type, as kube-apiserver's v3 documents do; this
// is also what makes kubectl explain show <IntOrString> rather than <string>.
func specialSchema(t reflect.Type, oneOf bool) (Schema, bool) {
	s, ok := baseSpecialSchema(t)
	if !ok || !oneOf {
		return s, ok
	}
	type multiTyped interface{ OpenAPIV3OneOfTypes() []string }
	if m, isMulti := reflect.Zero(t).Interface().(multiTyped); isMulti {
		s.Type = ""
		for _, typ := range m.OpenAPIV3OneOfTypes() {
			s.OneOf = append(s.OneOf, &Schema{Type: typ})
		}
	}
	return s, true
}

func baseSpecialSchema(t reflect.Type) (Schema, bool) {
	switch t {
	case intOrStringType:
		return Schema{Type: "string", Format: "int-or-string", IntOrString: true,
			Description: describeSpecial(t)}, true
	case rawExtensionType, fieldsV1Type:
		return Schema{Type: "object", Description: describeSpecial(t)}, true
	}
	// metav1.Time, MicroTime, Duration and resource.Quantity declare the
	// OpenAPI type they marshal to.
	type typed interface{ OpenAPISchemaType() []string }
	type formatted interface{ OpenAPISchemaFormat() string }
	if t.Kind() == reflect.Interface || !t.Implements(reflect.TypeOf((*typed)(nil)).Elem()) {
		return Schema{}, false
	}
	v := reflect.Zero(t).Interface()
	s := Schema{Description: describeSpecial(t)}
	if types := v.(typed).OpenAPISchemaType(); len(types) > 0 {
		s.Type = types[0]
	}
	if f, ok := v.(formatted); ok {
		s.Format = f.OpenAPISchemaFormat()
	}
	return s, true
}

func describeSpecial(t reflect.Type) string {
	if d := swaggerDoc(t)[""]; d != "" {
		return d
	}
	return specialDescriptions[t.Name()]
}
