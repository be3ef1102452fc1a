// Package networking describes the networking.k8s.io/v1 kinds.
package networking

import (
	networkingv1 "k8s.io/api/networking/v1"

	"rudder/internal/api"
)

// Group and Version are the served group version.
const (
	Group   = "networking.k8s.io"
	Version = "v1"
)

// Register adds Ingress, IngressClass and NetworkPolicy to r.
func Register(r *api.Registry) {
	r.Add(ingressDef().Build())
	r.Add(ingressClassDef().Build())
	r.Add(networkPolicyDef().Build())
}

func ingressDef() api.Def[*networkingv1.Ingress, *networkingv1.IngressList] {
	return api.Def[*networkingv1.Ingress, *networkingv1.IngressList]{
		Group: Group, Version: Version, Kind: "Ingress",
		Resource: "ingresses", Singular: "ingress",
		Namespaced:     true,
		ShortNames:     []string{"ing"},
		Subresources:   []string{"status"},
		New:            func() *networkingv1.Ingress { return &networkingv1.Ingress{} },
		NewList:        func() *networkingv1.IngressList { return &networkingv1.IngressList{} },
		Validate:       validateIngress,
		ValidateUpdate: validateIngressUpdate,
		Columns:        ingressColumns,
		Row:            ingressRow,
	}
}

func ingressClassDef() api.Def[*networkingv1.IngressClass, *networkingv1.IngressClassList] {
	return api.Def[*networkingv1.IngressClass, *networkingv1.IngressClassList]{
		Group: Group, Version: Version, Kind: "IngressClass",
		Resource: "ingressclasses", Singular: "ingressclass",
		New:            func() *networkingv1.IngressClass { return &networkingv1.IngressClass{} },
		NewList:        func() *networkingv1.IngressClassList { return &networkingv1.IngressClassList{} },
		Default:        defaultIngressClass,
		Validate:       validateIngressClass,
		ValidateUpdate: validateIngressClassUpdate,
		Columns:        ingressClassColumns,
		Row:            ingressClassRow,
	}
}

func networkPolicyDef() api.Def[*networkingv1.NetworkPolicy, *networkingv1.NetworkPolicyList] {
	return api.Def[*networkingv1.NetworkPolicy, *networkingv1.NetworkPolicyList]{
		Group: Group, Version: Version, Kind: "NetworkPolicy",
		Resource: "networkpolicies", Singular: "networkpolicy",
		Namespaced:     true,
		ShortNames:     []string{"netpol"},
		New:            func() *networkingv1.NetworkPolicy { return &networkingv1.NetworkPolicy{} },
		NewList:        func() *networkingv1.NetworkPolicyList { return &networkingv1.NetworkPolicyList{} },
		Default:        defaultNetworkPolicy,
		Validate:       validateNetworkPolicy,
		ValidateUpdate: validateNetworkPolicyUpdate,
		Columns:        networkPolicyColumns,
		Row:            networkPolicyRow,
	}
}
