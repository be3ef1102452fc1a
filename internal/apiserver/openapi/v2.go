package openapi

import "encoding/json"

// Wire form of the OpenAPI v2 (Swagger 2.0) document.
type v2Document struct {
	Swagger     string                     `json:"swagger"`
	Info        docInfo                    `json:"info"`
	Paths       map[string]*v2PathItem     `json:"paths"`
	Definitions map[string]json.RawMessage `json:"definitions"`
}

type v2PathItem struct {
	Get        *v2Operation  `json:"get,omitempty"`
	Put        *v2Operation  `json:"put,omitempty"`
	Post       *v2Operation  `json:"post,omitempty"`
	Delete     *v2Operation  `json:"delete,omitempty"`
	Patch      *v2Operation  `json:"patch,omitempty"`
	Parameters []v2Parameter `json:"parameters,omitempty"`
}

type v2Operation struct {
	Tags        []string              `json:"tags,omitempty"`
	Description string                `json:"description,omitempty"`
	OperationID string                `json:"operationId"`
	Consumes    []string              `json:"consumes,omitempty"`
	Produces    []string              `json:"produces,omitempty"`
	Schemes     []string              `json:"schemes,omitempty"`
	Parameters  []v2Parameter         `json:"parameters,omitempty"`
	Responses   map[string]v2Response `json:"responses"`
	Action      string                `json:"x-kubernetes-action,omitempty"`
	GVK         *gvkExt               `json:"x-kubernetes-group-version-kind,omitempty"`
}

type v2Parameter struct {
	Name        string  `json:"name"`
	In          string  `json:"in"`
	Description string  `json:"description,omitempty"`
	Required    bool    `json:"required,omitempty"`
	Type        string  `json:"type,omitempty"`
	UniqueItems bool    `json:"uniqueItems,omitempty"`
	Schema      *Schema `json:"schema,omitempty"`
}

type v2Response struct {
	Description string  `json:"description"`
	Schema      *Schema `json:"schema,omitempty"`
}

func v2Params(ps []param) []v2Parameter {
	out := make([]v2Parameter, 0, len(ps))
	for _, p := range ps {
		out = append(out, v2Parameter{Name: p.name, In: p.in, Description: p.desc, Required: p.required,
			Type: p.typ, UniqueItems: true})
	}
	return out
}

func v2Op(o operation, tags []string) *v2Operation {
	out := &v2Operation{Tags: tags, Description: o.desc, OperationID: o.id, Action: o.action,
		Consumes: o.bodyTypes, Produces: o.produces, Schemes: []string{"https"},
		Parameters: v2Params(o.params), Responses: map[string]v2Response{}}
	if !o.gvk.Empty() {
		out.GVK = &gvkExt{Group: o.gvk.Group, Version: o.gvk.Version, Kind: o.gvk.Kind}
	}
	if o.body != "" {
		out.Parameters = append([]v2Parameter{{Name: "body", In: "body", Required: true,
			Schema: &Schema{Ref: v2RefPrefix + o.body}}}, out.Parameters...)
	}
	for _, r := range o.responses {
		resp := v2Response{Description: r.desc}
		switch {
		case r.text:
			resp.Schema = &Schema{Type: "string"}
		case r.schema != "":
			resp.Schema = &Schema{Ref: v2RefPrefix + r.schema}
		}
		out.Responses[r.code] = resp
	}
	return out
}

func v2Paths(items []pathItem, tags []string, into map[string]*v2PathItem) {
	for _, it := range items {
		pi := &v2PathItem{Parameters: v2Params(it.params)}
		for _, o := range it.ops {
			*methodSlot2(pi, o.method) = v2Op(o, tags)
		}
		into[it.path] = pi
	}
}

func methodSlot2(pi *v2PathItem, method string) **v2Operation {
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
