package openapi

import (
	"slices"
	"sort"
	"testing"
)

func TestOperations(t *testing.T) {
	cases := []struct {
		doc, path, method, id, action, gvk string
		params                             []string
		body                               []string // request media types
	}{
		{"apis/apps/v1", "/apis/apps/v1/namespaces/{namespace}/deployments", "get",
			"listAppsV1NamespacedDeployment", "list", "apps/v1/Deployment", []string{"labelSelector", "watch"}, nil},
		{"apis/apps/v1", "/apis/apps/v1/namespaces/{namespace}/deployments", "post",
			"createAppsV1NamespacedDeployment", "post", "apps/v1/Deployment", []string{"dryRun", "fieldManager", "fieldValidation"},
			[]string{"application/json", "application/vnd.kubernetes.protobuf", "application/yaml"}},
		{"apis/apps/v1", "/apis/apps/v1/namespaces/{namespace}/deployments", "delete",
			"deleteAppsV1CollectionNamespacedDeployment", "deletecollection", "apps/v1/Deployment", []string{"propagationPolicy", "labelSelector"},
			[]string{"application/json", "application/vnd.kubernetes.protobuf", "application/yaml"}},
		{"apis/apps/v1", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}", "get",
			"readAppsV1NamespacedDeployment", "get", "apps/v1/Deployment", nil, nil},
		{"apis/apps/v1", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}", "put",
			"replaceAppsV1NamespacedDeployment", "put", "apps/v1/Deployment", []string{"fieldValidation"},
			[]string{"application/json", "application/vnd.kubernetes.protobuf", "application/yaml"}},
		{"apis/apps/v1", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}", "patch",
			"patchAppsV1NamespacedDeployment", "patch", "apps/v1/Deployment", []string{"dryRun", "fieldManager", "fieldValidation", "force"},
			[]string{"application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json"}},
		{"apis/apps/v1", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}", "delete",
			"deleteAppsV1NamespacedDeployment", "delete", "apps/v1/Deployment", []string{"gracePeriodSeconds", "propagationPolicy"},
			[]string{"application/json", "application/vnd.kubernetes.protobuf", "application/yaml"}},
		{"apis/apps/v1", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale", "patch",
			"patchAppsV1NamespacedDeploymentScale", "patch", "autoscaling/v1/Scale", []string{"fieldValidation"},
			[]string{"application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json"}},
		{"apis/apps/v1", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status", "get",
			"readAppsV1NamespacedDeploymentStatus", "get", "apps/v1/Deployment", nil, nil},
		{"apis/apps/v1", "/apis/apps/v1/deployments", "get",
			"listAppsV1DeploymentForAllNamespaces", "list", "apps/v1/Deployment", []string{"watch"}, nil},
		{"api/v1", "/api/v1/namespaces/{namespace}/pods/{name}/log", "get",
			"readCoreV1NamespacedPodLog", "get", "/v1/Pod", []string{"container", "follow"}, nil},
		{"api/v1", "/api/v1/namespaces/{namespace}/pods/{name}/exec", "post",
			"connectCoreV1PostNamespacedPodExec", "connect", "/v1/Pod", []string{"command", "stdin"}, nil},
		{"api/v1", "/api/v1/namespaces/{namespace}/pods/{name}/eviction", "post",
			"createCoreV1NamespacedPodEviction", "post", "policy/v1/Eviction", []string{"dryRun"},
			[]string{"application/json", "application/vnd.kubernetes.protobuf", "application/yaml"}},
		{"api/v1", "/api/v1/nodes/{name}", "patch",
			"patchCoreV1Node", "patch", "/v1/Node", []string{"fieldValidation"},
			[]string{"application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json"}},
		{"api/v1", "/api/v1/namespaces/{name}/finalize", "put",
			"replaceCoreV1NamespaceFinalize", "put", "/v1/Namespace", nil,
			[]string{"application/json", "application/vnd.kubernetes.protobuf", "application/yaml"}},
		{"apis/rbac.authorization.k8s.io/v1", "/apis/rbac.authorization.k8s.io/v1/clusterroles/{name}", "get",
			"readRbacAuthorizationV1ClusterRole", "get", "rbac.authorization.k8s.io/v1/ClusterRole", nil, nil},
		{"apis/authentication.k8s.io/v1", "/apis/authentication.k8s.io/v1/tokenreviews", "post",
			"createAuthenticationV1TokenReview", "post", "authentication.k8s.io/v1/TokenReview", []string{"dryRun"},
			[]string{"application/json", "application/vnd.kubernetes.protobuf", "application/yaml"}},
	}
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			op := at(t, groupDocument(t, c.doc), "paths", c.path, c.method)
			if got := str(t, op, "operationId"); got != c.id {
				t.Errorf("operationId = %s", got)
			}
			if got := str(t, op, "x-kubernetes-action"); got != c.action {
				t.Errorf("action = %s", got)
			}
			gvk := at(t, op, "x-kubernetes-group-version-kind")
			if got := str(t, gvk, "group") + "/" + str(t, gvk, "version") + "/" + str(t, gvk, "kind"); got != c.gvk {
				t.Errorf("gvk = %s", got)
			}
			var names []string
			if ps, ok := op.(obj)["parameters"].([]any); ok {
				for _, p := range ps {
					names = append(names, str(t, p, "name"))
					if str(t, p, "in") != "query" {
						t.Errorf("operation parameter %s is not in query", str(t, p, "name"))
					}
				}
			}
			for _, want := range c.params {
				if !slices.Contains(names, want) {
					t.Errorf("parameters %v lack %s", names, want)
				}
			}
			var media []string
			if rb, ok := op.(obj)["requestBody"]; ok {
				for m := range at(t, rb, "content").(obj) {
					media = append(media, m)
				}
			}
			sort.Strings(media)
			if !slices.Equal(media, c.body) {
				t.Errorf("request media = %v, want %v", media, c.body)
			}
		})
	}
}

func TestItemPathParameters(t *testing.T) {
	item := at(t, groupDocument(t, "apis/apps/v1"), "paths", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}")
	var names []string
	for _, p := range at(t, item, "parameters").([]any) {
		names = append(names, str(t, p, "name")+"@"+str(t, p, "in"))
	}
	want := []string{"name@path", "namespace@path", "pretty@query"}
	if !slices.Equal(names, want) {
		t.Errorf("path parameters = %v, want %v", names, want)
	}
}
