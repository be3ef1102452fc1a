package openapi

import (
	"encoding/json"
)

// Wire form of an OpenAPI v3 group-version document.
type v3Document struct {
	OpenAPI    string                 `json:"openapi"`
	Info       docInfo                `json:"info"`
	Paths      map[string]*v3PathItem `json:"paths"`
	Components v3Components           `json:"components"`
}

type docInfo struct {
	Title   string `json:"title"`
	Version string `json:"version"`
}

type v3Components struct {
	Schemas map[string]json.RawMessage `json:"schemas"`
}

type v3PathItem struct {
	Get        *v3Operation  `json:"get,omitempty"`
	Put        *v3Operation  `json:"put,omitempty"`
	Post       *v3Operation  `json:"post,omitempty"`
	Delete     *v3Operation  `json:"delete,omitempty"`
	Patch      *v3Operation  `json:"patch,omitempty"`
	Parameters []v3Parameter `json:"parameters,omitempty"`
}

type v3Operation struct {
	Tags        []string              `json:"tags,omitempty"`
	Description string                `json:"description,omitempty"`
	OperationID string                `json:"operationId"`
	Parameters  []v3Parameter         `json:"parameters,omitempty"`
	RequestBody *v3RequestBody        `json:"requestBody,omitempty"`
	Responses   map[string]v3Response `json:"responses"`
	Action      string                `json:"x-kubernetes-action,omitempty"`
	GVK         *gvkExt               `json:"x-kubernetes-group-version-kind,omitempty"`
}

type v3Parameter struct {
	Name        string  `json:"name"`
	In          string  `json:"in"`
	Description string  `json:"description,omitempty"`
	Required    bool    `json:"required,omitempty"`
	Schema      *Schema `json:"schema"`
	UniqueItems bool    `json:"uniqueItems,omitempty"`
}

type v3RequestBody struct {
	Content  map[string]v3Media `json:"content"`
	Required bool               `json:"required"`
}

type v3Media struct {
	Schema *Schema `json:"schema"`
}

type v3Response struct {
	Description string             `json:"description"`
	Content     map[string]v3Media `json:"content,omitempty"`
}

func v3Params(ps []param) []v3Parameter {
	out := make([]v3Parameter, 0, len(ps))
	for _, p := range ps {
		out = append(out, v3Parameter{Name: p.name, In: p.in, Description: p.desc, Required: p.required,
			Schema: &Schema{Type: p.typ}, UniqueItems: true})
	}
	return out
}

func v3Content(schemaName string, text bool, media []string) map[string]v3Media {
	var s *Schema
	switch {
	case text:
		s = &Schema{Type: "string"}
	case schemaName != "":
		s = &Schema{Ref: v3RefPrefix + schemaName}
	default:
		return nil
	}
	out := make(map[string]v3Media, len(media))
	for _, m := range media {
		out[m] = v3Media{Schema: s}
	}
	return out
}

func v3Op(o operation, tags []string) *v3Operation {
	out := &v3Operation{Tags: tags, Description: o.desc, OperationID: o.id, Action: o.action,
		Parameters: v3Params(o.params), Responses: map[string]v3Response{}}
	if !o.gvk.Empty() {
		out.GVK = &gvkExt{Group: o.gvk.Group, Version: o.gvk.Version, Kind: o.gvk.Kind}
	}
	if o.body != "" {
		out.RequestBody = &v3RequestBody{Content: v3Content(o.body, false, o.bodyTypes), Required: true}
	}
	for _, r := range o.responses {
		out.Responses[r.code] = v3Response{Description: r.desc, Content: v3Content(r.schema, r.text, o.produces)}
	}
	return out
}

func v3Paths(items []pathItem, tags []string) map[string]*v3PathItem {
	out := make(map[string]*v3PathItem, len(items))
	for _, it := range items {
		pi := &v3PathItem{Parameters: v3Params(it.params)}
		for _, o := range it.ops {
			*methodSlot3(pi, o.method) = v3Op(o, tags)
		}
		out[it.path] = pi
	}
	return out
}

func methodSlot3(pi *v3PathItem, method string) **v3Operation {
	switch method {
	case "put":
		return &pi.Put
	case "post":
		return &pi.Post
	case "delete":
		return &pi.Delete
	case "patch":
		return &pi.Patch
	}
	return &pi.Get
}

// v3Root is the body of GET /openapi/v3.
type v3Root struct {
	Paths map[string]v3RootEntry `json:"paths"`
}

type v3RootEntry struct {
	ServerRelativeURL string `json:"serverRelativeURL"`
}
