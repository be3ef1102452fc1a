package server

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/clientcmd"
)

// TestWatchersOfEveryFormat: watchers in JSON, protobuf and metadata-only
// form receive the same events, each in its own form (the server shares
// one encoding per form among watchers).
func TestWatchersOfEveryFormat(t *testing.T) {
	s := startTestServer(t, func(o *Options) { o.DisableAgent = true })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg, err := clientcmd.BuildConfigFromFlags("", s.KubeconfigPath)
	if err != nil {
		t.Fatal(err)
	}
	meta, err := metadata.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	watchers := map[string]watch.Interface{}
	for name, protobuf := range map[string]bool{"json": false, "protobuf": true} {
		for _, twin := range []string{"a", "b"} {
			w, err := clientFor(t, s, protobuf).CoreV1().ConfigMaps("default").Watch(ctx, metav1.ListOptions{})
			if err != nil {
				t.Fatalf("watch %s: %v", name, err)
			}
			defer w.Stop()
			watchers[name+"-"+twin] = w
		}
	}
	mw, err := meta.Resource(schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}).Namespace("default").Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("metadata watch: %v", err)
	}
	defer mw.Stop()
	watchers["metadata"] = mw

	cms := clientFor(t, s, false).CoreV1().ConfigMaps("default")
	cm, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "shared"}, Data: map[string]string{"k": "v"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm.Data["k"] = "w"
	if _, err := cms.Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	for name, w := range watchers {
		for _, want := range []struct {
			typ  watch.EventType
			data string
		}{{watch.Added, "v"}, {watch.Modified, "w"}} {
			ev := nextEvent(t, ctx, w)
			if ev.Type != want.typ {
				t.Fatalf("%s: event %s, want %s", name, ev.Type, want.typ)
			}
			switch o := ev.Object.(type) {
			case *corev1.ConfigMap:
				if o.Name != "shared" || o.Data["k"] != want.data {
					t.Errorf("%s: %s event carries %s data %v, want k=%s", name, ev.Type, o.Name, o.Data, want.data)
				}
			case *metav1.PartialObjectMetadata:
				if name != "metadata" || o.Name != "shared" || o.ResourceVersion == "" {
					t.Errorf("%s: %s event carries metadata %+v", name, ev.Type, o.ObjectMeta)
				}
			default:
				t.Errorf("%s: %s event carries a %T", name, ev.Type, ev.Object)
			}
		}
	}
}

func nextEvent(t *testing.T, ctx context.Context, w watch.Interface) watch.Event {
	t.Helper()
	for {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				t.Fatal("watch closed")
			}
			if ev.Type == watch.Bookmark {
				continue
			}
			return ev
		case <-ctx.Done():
			t.Fatal("no event before the deadline")
		}
	}
}
