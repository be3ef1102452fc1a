package apiserver

import (
	"encoding/json"
	"mime"
	"net/http"
	"strings"

	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"rudder/internal/api"
)

// subresourceInfo is what discovery says about each subresource name.
type subresourceInfo struct {
	kind  schema.GroupVersionKind // empty Group/Version/Kind: the parent's
	verbs []string
}

var subresourceKinds = map[string]subresourceInfo{
	"status":              {verbs: []string{"get", "patch", "update"}},
	"scale":               {kind: schema.GroupVersionKind{Group: "autoscaling", Version: "v1", Kind: "Scale"}, verbs: []string{"get", "patch", "update"}},
	"binding":             {kind: schema.GroupVersionKind{Version: "v1", Kind: "Binding"}, verbs: []string{"create"}},
	"eviction":            {kind: schema.GroupVersionKind{Group: "policy", Version: "v1", Kind: "Eviction"}, verbs: []string{"create"}},
	"log":                 {kind: schema.GroupVersionKind{Version: "v1", Kind: "Pod"}, verbs: []string{"get"}},
	"exec":                {kind: schema.GroupVersionKind{Version: "v1", Kind: "PodExecOptions"}, verbs: []string{"create", "get"}},
	"attach":              {kind: schema.GroupVersionKind{Version: "v1", Kind: "PodAttachOptions"}, verbs: []string{"create", "get"}},
	"portforward":         {kind: schema.GroupVersionKind{Version: "v1", Kind: "PodPortForwardOptions"}, verbs: []string{"create", "get"}},
	"proxy":               {kind: schema.GroupVersionKind{Version: "v1", Kind: "PodProxyOptions"}, verbs: []string{"create", "delete", "get", "patch", "update"}},
	"ephemeralcontainers": {verbs: []string{"get", "patch", "update"}},
	"token":               {kind: schema.GroupVersionKind{Group: "authentication.k8s.io", Version: "v1", Kind: "TokenRequest"}, verbs: []string{"create"}},
	"finalize":            {verbs: []string{"update"}},
}

var allVerbs = []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}

// discovery holds the prebuilt discovery documents; the kind registry is
// fixed at start, so they are encoded once.
type discovery struct {
	legacyRoot  []byte                     // /api
	groups      []byte                     // /apis
	groupDocs   map[string][]byte          // /apis/<group>
	versionDocs map[string][]byte          // "api/v1", "apis/apps/v1"
	aggregated  map[string]map[bool][]byte // "v2"/"v2beta1" -> core? -> body
}

func newDiscovery(reg *api.Registry) *discovery {
	d := &discovery{groupDocs: map[string][]byte{}, versionDocs: map[string][]byte{}, aggregated: map[string]map[bool][]byte{}}
	byGV := map[schema.GroupVersion][]*api.Kind{}
	for _, k := range reg.Kinds() {
		byGV[k.GVK.GroupVersion()] = append(byGV[k.GVK.GroupVersion()], k)
	}
	gvs := reg.GroupVersions()
	d.legacyRoot = mustJSON(&metav1.APIVersions{TypeMeta: metav1.TypeMeta{Kind: "APIVersions"}, Versions: []string{"v1"},
		ServerAddressByClientCIDRs: []metav1.ServerAddressByClientCIDR{{ClientCIDR: "0.0.0.0/0", ServerAddress: ""}}})
	groupList := &metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"}}
	var coreAgg, groupsAgg apidiscoveryv2.APIGroupDiscoveryList
	for _, g := range orderedGroups(gvs) {
		versions := versionsOf(gvs, g)
		group := metav1.APIGroup{TypeMeta: metav1.TypeMeta{Kind: "APIGroup", APIVersion: "v1"}, Name: g}
		agg := apidiscoveryv2.APIGroupDiscovery{ObjectMeta: metav1.ObjectMeta{Name: g}}
		for _, v := range versions {
			gv := schema.GroupVersion{Group: g, Version: v}
			gvd := metav1.GroupVersionForDiscovery{GroupVersion: gv.String(), Version: v}
			group.Versions = append(group.Versions, gvd)
			d.versionDocs[gvPath(gv)] = mustJSON(resourceList(gv, byGV[gv]))
			agg.Versions = append(agg.Versions, versionDiscovery(v, byGV[gv]))
		}
		group.PreferredVersion = group.Versions[0]
		if g == "" {
			coreAgg.Items = append(coreAgg.Items, agg)
			continue
		}
		groupList.Groups = append(groupList.Groups, group)
		d.groupDocs[g] = mustJSON(&group)
		groupsAgg.Items = append(groupsAgg.Items, agg)
	}
	d.groups = mustJSON(groupList)
	for _, v := range []string{"v2", "v2beta1"} {
		d.aggregated[v] = map[bool][]byte{true: aggregatedJSON(coreAgg, v), false: aggregatedJSON(groupsAgg, v)}
	}
	return d
}

// orderedGroups lists groups core first, then in registration order.
func orderedGroups(gvs []schema.GroupVersion) []string {
	var out []string
	seen := map[string]bool{}
	for _, gv := range gvs {
		if !seen[gv.Group] {
			seen[gv.Group] = true
			out = append(out, gv.Group)
		}
	}
	return out
}

// versionsOf lists a group's versions, preferred (the newest GA) first.
func versionsOf(gvs []schema.GroupVersion, group string) []string {
	var out []string
	for _, gv := range gvs {
		if gv.Group == group {
			out = append(out, gv.Version)
		}
	}
	// "v2" is preferred over "v1" (autoscaling); betas never precede GA.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && versionRank(out[j]) > versionRank(out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func versionRank(v string) int {
	rank := 0
	if !strings.ContainsAny(v[1:], "ab") {
		rank += 100
	}
	if len(v) > 1 {
		rank += int(v[1] - '0')
	}
	return rank
}

func gvPath(gv schema.GroupVersion) string {
	if gv.Group == "" {
		return "api/" + gv.Version
	}
	return "apis/" + gv.Group + "/" + gv.Version
}

func verbsOf(k *api.Kind) []string { return allVerbs }

func resourceList(gv schema.GroupVersion, kinds []*api.Kind) *metav1.APIResourceList {
	l := &metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"}, GroupVersion: gv.String()}
	for _, k := range kinds {
		l.APIResources = append(l.APIResources, metav1.APIResource{
			Name: k.Resource, SingularName: k.Singular, Namespaced: k.Namespaced, Kind: k.GVK.Kind,
			Verbs: verbsOf(k), ShortNames: k.ShortNames, Categories: k.Categories,
		})
		for _, sub := range k.Subresources {
			si := subresourceKinds[sub]
			ar := metav1.APIResource{Name: k.Resource + "/" + sub, Namespaced: k.Namespaced, Kind: k.GVK.Kind, Verbs: si.verbs}
			if si.kind.Kind != "" {
				ar.Group, ar.Version, ar.Kind = si.kind.Group, si.kind.Version, si.kind.Kind
			}
			l.APIResources = append(l.APIResources, ar)
		}
	}
	return l
}

func versionDiscovery(v string, kinds []*api.Kind) apidiscoveryv2.APIVersionDiscovery {
	vd := apidiscoveryv2.APIVersionDiscovery{Version: v, Freshness: apidiscoveryv2.DiscoveryFreshnessCurrent}
	for _, k := range kinds {
		scope := apidiscoveryv2.ScopeCluster
		if k.Namespaced {
			scope = apidiscoveryv2.ScopeNamespace
		}
		gvk := metav1.GroupVersionKind{Group: k.GVK.Group, Version: k.GVK.Version, Kind: k.GVK.Kind}
		rd := apidiscoveryv2.APIResourceDiscovery{
			Resource: k.Resource, ResponseKind: &gvk, Scope: scope, SingularResource: k.Singular,
			Verbs: verbsOf(k), ShortNames: k.ShortNames, Categories: k.Categories,
		}
		for _, sub := range k.Subresources {
			si := subresourceKinds[sub]
			rk := gvk
			if si.kind.Kind != "" {
				rk = metav1.GroupVersionKind{Group: si.kind.Group, Version: si.kind.Version, Kind: si.kind.Kind}
			}
			rd.Subresources = append(rd.Subresources, apidiscoveryv2.APISubresourceDiscovery{Subresource: sub, ResponseKind: &rk, Verbs: si.verbs})
		}
		vd.Resources = append(vd.Resources, rd)
	}
	return vd
}

func aggregatedJSON(l apidiscoveryv2.APIGroupDiscoveryList, version string) []byte {
	l.TypeMeta = metav1.TypeMeta{Kind: "APIGroupDiscoveryList", APIVersion: "apidiscovery.k8s.io/" + version}
	return mustJSON(&l)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // static, well-typed documents
	}
	return b
}

// aggregatedVersion returns "v2" or "v2beta1" when the client accepts
// aggregated discovery, in its order of preference.
func aggregatedVersion(r *http.Request) string {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || mt != mediaJSON {
			continue
		}
		if params["g"] == "apidiscovery.k8s.io" && params["as"] == "APIGroupDiscoveryList" && (params["v"] == "v2" || params["v"] == "v2beta1") {
			return params["v"]
		}
	}
	return ""
}

func (d *discovery) serveAggregatedOr(w http.ResponseWriter, r *http.Request, core bool, plain []byte) {
	if v := aggregatedVersion(r); v != "" {
		w.Header().Set("Content-Type", "application/json;g=apidiscovery.k8s.io;v="+v+";as=APIGroupDiscoveryList")
		w.Header().Set("Vary", "Accept")
		_, _ = w.Write(d.aggregated[v][core])
		return
	}
	w.Header().Set("Content-Type", mediaJSON)
	w.Header().Set("Vary", "Accept")
	_, _ = w.Write(plain)
}

func (d *discovery) serveLegacyRoot(w http.ResponseWriter, r *http.Request) {
	d.serveAggregatedOr(w, r, true, d.legacyRoot)
}

func (d *discovery) serveGroups(w http.ResponseWriter, r *http.Request) {
	d.serveAggregatedOr(w, r, false, d.groups)
}

// serveGroupOrVersion answers /api/v1, /apis/<g> and /apis/<g>/<v>.
func (d *discovery) serveGroupOrVersion(w http.ResponseWriter, r *http.Request, info requestInfo) {
	var body []byte
	switch {
	case info.APIPrefix == "api" && info.Version != "":
		body = d.versionDocs["api/"+info.Version]
	case info.APIPrefix == "apis" && info.Version != "":
		body = d.versionDocs["apis/"+info.Group+"/"+info.Version]
	case info.APIPrefix == "apis":
		parts := splitPath(r.URL.Path)
		if len(parts) == 2 {
			body = d.groupDocs[parts[1]]
		}
	}
	if body == nil {
		writeJSON(w, http.StatusNotFound, toStatus(errNotFoundResource(r.URL.Path)))
		return
	}
	w.Header().Set("Content-Type", mediaJSON)
	_, _ = w.Write(body)
}

// SubresourceKind is the kind a subresource's requests and responses
// carry (empty when it is the parent's kind).
func SubresourceKind(sub string) schema.GroupVersionKind { return subresourceKinds[sub].kind }
