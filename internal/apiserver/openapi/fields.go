package openapi

import (
	"reflect"
	"strings"
)

// field is one JSON property of a struct, after inline members are
// flattened.
type field struct {
	name      string
	typ       reflect.Type
	doc       string
	tag       reflect.StructTag
	omitempty bool
}

// required approximates Kubernetes' +optional markers, which reflection
// cannot see: a field is required when it is always written (no omitempty)
// and has a value that cannot be absent (not a pointer, slice or map).
func (f field) required() bool {
	if f.omitempty || f.name == "metadata" {
		return false
	}
	switch f.typ.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
		return false
	}
	return true
}

// jsonFields lists the properties encoding/json would write for t.
func jsonFields(t reflect.Type) []field {
	docs := swaggerDoc(t)
	var out []field
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		name, opts, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" && opts == "" {
			continue
		}
		if sf.Anonymous && name == "" {
			if et := deref(sf.Type); et.Kind() == reflect.Struct {
				out = append(out, jsonFields(et)...) // `json:",inline"` and untagged embedding
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		out = append(out, field{
			name:      name,
			typ:       sf.Type,
			doc:       docs[name],
			tag:       sf.Tag,
			omitempty: hasOption(opts, "omitempty"),
		})
	}
	return out
}

func hasOption(opts, want string) bool {
	for _, o := range strings.Split(opts, ",") {
		if o == want {
			return true
		}
	}
	return false
}

// swaggerDoc returns the documentation that every k8s.io/api type carries:
// key "" describes the type, other keys its JSON fields.
func swaggerDoc(t reflect.Type) map[string]string {
	type documented interface{ SwaggerDoc() map[string]string }
	if d, ok := reflect.New(t).Interface().(documented); ok {
		return d.SwaggerDoc()
	}
	return nil
}
