package openapi

// Schema is the subset of the OpenAPI schema object that Kubernetes uses for
// its built-in types. The same model serves v2 and v3; only the reference
// prefix and the way a described reference is written differ (see decorate).
type Schema struct {
	Ref                  string             `json:"$ref,omitempty"`
	AllOf                []*Schema          `json:"allOf,omitempty"`
	OneOf                []*Schema          `json:"oneOf,omitempty"`
	Description          string             `json:"description,omitempty"`
	Type                 string             `json:"type,omitempty"`
	Format               string             `json:"format,omitempty"`
	Items                *Schema            `json:"items,omitempty"`
	Properties           map[string]*Schema `json:"properties,omitempty"`
	AdditionalProperties *Schema            `json:"additionalProperties,omitempty"`
	Required             []string           `json:"required,omitempty"`

	IntOrString   bool     `json:"x-kubernetes-int-or-string,omitempty"`
	PatchStrategy string   `json:"x-kubernetes-patch-strategy,omitempty"`
	PatchMergeKey string   `json:"x-kubernetes-patch-merge-key,omitempty"`
	GVK           []gvkExt `json:"x-kubernetes-group-version-kind,omitempty"`
}

// gvkExt is the value of x-kubernetes-group-version-kind (a list of these on
// schemas, a single one on operations).
type gvkExt struct {
	Group   string `json:"group"`
	Version string `json:"version"`
	Kind    string `json:"kind"`
}

// Reference prefixes of the two document formats.
const (
	v3RefPrefix = "#/components/schemas/"
	v2RefPrefix = "#/definitions/"
)
