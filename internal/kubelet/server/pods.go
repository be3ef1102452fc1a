package server

import (
	"encoding/json"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// servePods lists the pods bound to this node, as the kubelet's /pods does.
func (s *Server) servePods(w http.ResponseWriter, r *http.Request) {
	list := corev1.PodList{TypeMeta: metav1.TypeMeta{Kind: "PodList", APIVersion: "v1"}}
	if s.cfg.Pods != nil {
		pods, err := s.cfg.Pods(r.Context())
		if err != nil {
			writeError(w, err)
			return
		}
		list.Items = pods
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(&list)
}
