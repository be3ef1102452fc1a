package openapi

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// resourcePaths describes the REST paths of one resource the way
// kube-apiserver lays them out.
type resourcePaths struct {
	r      Resource
	prefix string // operation id infix, e.g. "AppsV1"
	scope  string // "Namespaced" or ""
	base   string // "/apis/apps/v1/namespaces/{namespace}/deployments"
	common []param
	obj    string // definition names
	list   string
}

func newResourcePaths(r Resource) resourcePaths {
	gv := r.GVK.GroupVersion()
	p := resourcePaths{r: r, prefix: opPrefix(gv), obj: defName(r.Object)}
	root := "/" + gvPath(gv)
	if r.Namespaced {
		p.scope = "Namespaced"
		p.base = root + "/namespaces/{namespace}/" + r.Resource
		p.common = []param{pNamespace, pPretty}
	} else {
		p.base = root + "/" + r.Resource
		p.common = []param{pPretty}
	}
	if r.List != nil {
		p.list = defName(r.List)
	}
	return p
}

func (p resourcePaths) items() []pathItem {
	if p.r.List == nil {
		return []pathItem{{path: p.base, params: p.common, ops: []operation{p.create()}}}
	}
	out := []pathItem{
		{path: p.base, params: p.common, ops: []operation{p.listOp(), p.create(), p.deleteCollection()}},
		{path: p.base + "/{name}", params: p.itemParams(), ops: p.itemOps()},
	}
	if p.r.Namespaced {
		out = append(out, pathItem{
			path:   "/" + gvPath(p.r.GVK.GroupVersion()) + "/" + p.r.Resource,
			params: []param{pPretty},
			ops: []operation{p.op("get", "list", "list"+p.prefix+p.r.GVK.Kind+"ForAllNamespaces",
				"list or watch objects of kind "+p.r.GVK.Kind, listParams, "", nil,
				[]response{respOK(p.list), unauthorized}, listMedia)},
		})
	}
	for _, sub := range p.r.Subresources {
		out = append(out, p.subresource(sub))
	}
	return out
}

func (p resourcePaths) itemParams() []param {
	return append([]param{pName}, p.common...)
}

func (p resourcePaths) id(verb, suffix string) string {
	return verb + p.prefix + p.scope + p.r.GVK.Kind + suffix
}

func (p resourcePaths) op(method, action, id, desc string, params []param, body string,
	bodyTypes []string, responses []response, produces []string) operation {
	return operation{method: method, action: action, id: id, desc: desc, gvk: p.r.GVK,
		params: params, body: body, bodyTypes: bodyTypes, responses: responses, produces: produces}
}

func (p resourcePaths) listOp() operation {
	return p.op("get", "list", p.id("list", ""), "list or watch objects of kind "+p.r.GVK.Kind,
		listParams, "", nil, []response{respOK(p.list), unauthorized}, listMedia)
}

func (p resourcePaths) create() operation {
	return p.op("post", "post", p.id("create", ""), "create a "+p.r.GVK.Kind, writeParams, p.obj,
		objectMedia, []response{respOK(p.obj), respCreated(p.obj), respAccepted(p.obj), unauthorized}, objectMedia)
}

func (p resourcePaths) deleteCollection() operation {
	params := append(append([]param(nil), deleteParams...), listParams...)
	return p.op("delete", "deletecollection", "delete"+p.prefix+"Collection"+p.scope+p.r.GVK.Kind,
		"delete collection of "+p.r.GVK.Kind, params, deleteOptionsDef, objectMedia,
		[]response{respOK(statusDef), unauthorized}, objectMedia)
}

func (p resourcePaths) itemOps() []operation {
	kind := p.r.GVK.Kind
	return []operation{
		p.op("get", "get", p.id("read", ""), "read the specified "+kind, nil, "", nil,
			[]response{respOK(p.obj), unauthorized}, objectMedia),
		p.op("put", "put", p.id("replace", ""), "replace the specified "+kind, writeParams, p.obj,
			objectMedia, []response{respOK(p.obj), respCreated(p.obj), unauthorized}, objectMedia),
		p.op("patch", "patch", p.id("patch", ""), "partially update the specified "+kind, patchParams,
			patchDef, patchMedia, []response{respOK(p.obj), respCreated(p.obj), unauthorized}, objectMedia),
		p.op("delete", "delete", p.id("delete", ""), "delete a "+kind, deleteParams, deleteOptionsDef,
			objectMedia, []response{respOK(statusDef), respAccepted(statusDef), unauthorized}, objectMedia),
	}
}

// Subresources that are not read/replace/patch of an object.
var (
	createOnlySubresources = map[string]bool{"binding": true, "eviction": true, "token": true}
	connectSubresources    = map[string][]param{
		"exec": execParams, "attach": attachParams, "portforward": portForwardParams, "proxy": proxyParams,
	}
)

func (p resourcePaths) subresource(sub Subresource) pathItem {
	item := pathItem{path: p.base + "/{name}/" + sub.Name, params: p.itemParams()}
	suffix := upperFirst(sub.Name)
	sp := p // operations on a subresource carry the subresource's kind
	if !sub.GVK.Empty() {
		sp.r.GVK = sub.GVK
	}
	id := func(verb string) string { return verb + p.prefix + p.scope + p.r.GVK.Kind + suffix }
	obj := ""
	if sub.Object != nil {
		obj = defName(sub.Object)
	}
	what := sub.Name + " of the specified " + p.r.GVK.Kind
	switch {
	case sub.Name == "log":
		item.ops = []operation{sp.op("get", "get", id("read"), "read "+what, logParams, "", nil,
			[]response{{code: "200", desc: "OK", text: true}, unauthorized}, textMedia)}
	case connectSubresources[sub.Name] != nil:
		params := connectSubresources[sub.Name]
		for _, m := range []string{"get", "post"} {
			item.ops = append(item.ops, sp.op(m, "connect", "connect"+p.prefix+upperFirst(m)+p.scope+p.r.GVK.Kind+suffix,
				"connect "+m+" requests to "+what, params, "", nil,
				[]response{{code: "200", desc: "OK", text: true}, unauthorized}, anyMedia))
		}
	case createOnlySubresources[sub.Name]:
		item.ops = []operation{sp.op("post", "post", id("create"), "create "+what, writeParams, obj, objectMedia,
			[]response{respOK(obj), respCreated(obj), respAccepted(obj), unauthorized}, objectMedia)}
	case sub.Name == "finalize":
		item.ops = []operation{sp.op("put", "put", id("replace"), "replace "+what, writeParams, obj, objectMedia,
			[]response{respOK(obj), respCreated(obj), unauthorized}, objectMedia)}
	default:
		item.ops = []operation{
			sp.op("get", "get", id("read"), "read "+what, nil, "", nil,
				[]response{respOK(obj), unauthorized}, objectMedia),
			sp.op("put", "put", id("replace"), "replace "+what, writeParams, obj, objectMedia,
				[]response{respOK(obj), respCreated(obj), unauthorized}, objectMedia),
			sp.op("patch", "patch", id("patch"), "partially update "+what, patchParams, patchDef, patchMedia,
				[]response{respOK(obj), respCreated(obj), unauthorized}, objectMedia),
		}
	}
	return item
}

// resourcesPath is GET /apis/<group>/<version>/, the group's discovery list.
func resourcesPath(gv schema.GroupVersion) pathItem {
	return pathItem{path: "/" + gvPath(gv) + "/", ops: []operation{{
		method: "get", id: "get" + opPrefix(gv) + "APIResources", desc: "get available resources",
		responses: []response{respOK(resourceListDef), unauthorized}, produces: objectMedia[:2],
	}}}
}
