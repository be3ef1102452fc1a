package kubelet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metascheme "k8s.io/apimachinery/pkg/apis/meta/internalversion/scheme"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

func TestOverwritten(t *testing.T) {
	ready := func(s corev1.ConditionStatus) []corev1.PodCondition {
		return []corev1.PodCondition{{Type: corev1.PodReady, Status: s}}
	}
	pod := func(rv string, s corev1.ConditionStatus) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{ResourceVersion: rv}, Status: corev1.PodStatus{Conditions: ready(s)}}
	}
	computed := &corev1.PodStatus{Conditions: ready(corev1.ConditionTrue)}
	cases := []struct {
		name      string
		pod       *corev1.Pod
		writtenRV uint64
		want      bool
	}{
		{"API agrees", pod("10", corev1.ConditionTrue), 9, false},
		{"changed by someone after the kubelet's write", pod("12", corev1.ConditionFalse), 11, true},
		{"informer not caught up with the kubelet's write", pod("10", corev1.ConditionFalse), 11, false},
		{"nothing written yet", pod("10", corev1.ConditionFalse), 0, true},
		{"resourceVersion not a number", pod("x", corev1.ConditionFalse), 11, true},
	}
	for _, c := range cases {
		if got := overwritten(c.pod, &statusEntry{status: computed, writtenRV: c.writtenRV}); got != c.want {
			t.Errorf("%s: overwritten = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestParseRV(t *testing.T) {
	for in, want := range map[string]uint64{"": 0, "17": 17, "abc": 0, "18446744073709551615": 18446744073709551615} {
		if got := parseRV(in); got != want {
			t.Errorf("parseRV(%q) = %d, want %d", in, got, want)
		}
	}
}

// fakePodStatusAPI answers pods/status patches of pod ns/p as answer
// says, after checking the request is one.
func fakePodStatusAPI(t *testing.T, patch []byte, answer func(w http.ResponseWriter)) kubernetes.Interface {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch {
		case r.Method != http.MethodPatch || r.URL.Path != "/api/v1/namespaces/ns/pods/p/status":
			t.Errorf("request %s %s, want a patch of pods/status", r.Method, r.URL.Path)
		case r.Header.Get("Content-Type") != string(types.StrategicMergePatchType):
			t.Errorf("content type %q", r.Header.Get("Content-Type"))
		case r.Header.Get("Accept") != metadataOnly:
			t.Errorf("accept %q, want metadata only", r.Header.Get("Accept"))
		case !bytes.Equal(body, patch):
			t.Errorf("body %s, want %s", body, patch)
		}
		answer(w)
	}))
	t.Cleanup(srv.Close)
	client, err := kubernetes.NewForConfig(&rest.Config{Host: srv.URL, ContentConfig: rest.ContentConfig{ContentType: runtime.ContentTypeProtobuf}})
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// encodeMeta writes object metadata as the API server does for
// as=PartialObjectMetadata, in the given media type.
func encodeMeta(t *testing.T, w http.ResponseWriter, mediaType string, obj runtime.Object) {
	t.Helper()
	info, ok := runtime.SerializerInfoForMediaType(metascheme.Codecs.SupportedMediaTypes(), mediaType)
	if !ok {
		t.Fatalf("no serializer for %s", mediaType)
	}
	w.Header().Set("Content-Type", mediaType)
	if err := metascheme.Codecs.EncoderForVersion(info.Serializer, metav1.SchemeGroupVersion).Encode(obj, w); err != nil {
		t.Fatal(err)
	}
}

func TestPatchPodStatus(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "uid-1"}}
	patch := []byte(`{"metadata":{"uid":"uid-1"},"status":{"phase":"Running"}}`)
	partial := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "uid-1", ResourceVersion: "42"}}
	status := func(code int, st *metav1.Status) func(w http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", runtime.ContentTypeJSON)
			w.WriteHeader(code)
			_ = json.NewEncoder(w).Encode(st)
		}
	}
	gr := corev1.Resource("pods")
	cases := []struct {
		name    string
		answer  func(w http.ResponseWriter)
		wantRV  string
		wantErr func(error) bool
	}{
		{"protobuf metadata", func(w http.ResponseWriter) { encodeMeta(t, w, runtime.ContentTypeProtobuf, partial) }, "42", nil},
		{"JSON metadata", func(w http.ResponseWriter) { encodeMeta(t, w, runtime.ContentTypeJSON, partial) }, "42", nil},
		{"pod gone", status(http.StatusNotFound, &apierrors.NewNotFound(gr, "p").ErrStatus), "", apierrors.IsNotFound},
		{"another pod's UID", status(http.StatusConflict, &apierrors.NewConflict(gr, "p", errors.New("uid")).ErrStatus), "", apierrors.IsConflict},
		{"not metadata", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", runtime.ContentTypeJSON)
			_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Success"}`))
		}, "", func(err error) bool { return err != nil }},
	}
	for _, c := range cases {
		rv, err := patchPodStatus(context.Background(), fakePodStatusAPI(t, patch, c.answer), pod, patch)
		switch {
		case c.wantErr == nil && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.wantErr != nil && !c.wantErr(err):
			t.Errorf("%s: error %v is not the one expected", c.name, err)
		case rv != c.wantRV:
			t.Errorf("%s: resourceVersion %q, want %q", c.name, rv, c.wantRV)
		}
	}
}

func TestConditionsDiffer(t *testing.T) {
	c := func(typ corev1.PodConditionType, s corev1.ConditionStatus) corev1.PodCondition {
		return corev1.PodCondition{Type: typ, Status: s, Reason: "r-" + string(s)}
	}
	ready, notReady := c(corev1.PodReady, corev1.ConditionTrue), c(corev1.PodReady, corev1.ConditionFalse)
	scheduled, gate := c(corev1.PodScheduled, corev1.ConditionTrue), c("example.com/gate", corev1.ConditionTrue)
	cases := []struct {
		name string
		a, b []corev1.PodCondition
		want bool
	}{
		{"both empty", nil, nil, false},
		{"same", []corev1.PodCondition{ready, scheduled}, []corev1.PodCondition{ready, scheduled}, false},
		{"other order", []corev1.PodCondition{ready, scheduled}, []corev1.PodCondition{scheduled, ready}, false},
		{"only reasons and times differ", []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}, []corev1.PodCondition{ready}, false},
		{"status flipped", []corev1.PodCondition{notReady, scheduled}, []corev1.PodCondition{ready, scheduled}, true},
		{"one more", []corev1.PodCondition{ready, scheduled, gate}, []corev1.PodCondition{ready, scheduled}, true},
		{"other types", []corev1.PodCondition{ready, gate}, []corev1.PodCondition{ready, scheduled}, true},
		{"repeated type: the last counts", []corev1.PodCondition{ready, scheduled}, []corev1.PodCondition{notReady, ready}, true},
		{"repeated type, last agrees", []corev1.PodCondition{ready, ready}, []corev1.PodCondition{notReady, ready}, false},
	}
	for _, c := range cases {
		if got := conditionsDiffer(c.a, c.b); got != c.want {
			t.Errorf("%s: conditionsDiffer = %v, want %v", c.name, got, c.want)
		}
	}
}
