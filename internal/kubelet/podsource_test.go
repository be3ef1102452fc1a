package kubelet

import (
	"context"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	clientfake "k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
)

// TestPodSourceSelector checks which pods a source asks the server for:
// a kubelet's own, or for a shared source every bound pod (pods not bound
// yet concern no kubelet).
func TestPodSourceSelector(t *testing.T) {
	for node, want := range map[string]string{"node-0": "spec.nodeName=node-0", "": "spec.nodeName!="} {
		client := clientfake.NewClientset()
		asked := make(chan string, 1)
		client.PrependReactor("list", "pods", func(a clienttesting.Action) (bool, runtime.Object, error) {
			select {
			case asked <- a.(clienttesting.ListAction).GetListRestrictions().Fields.String():
			default:
			}
			return false, nil, nil
		})
		ctx, cancel := context.WithCancel(context.Background())
		s := NewPodSource(client, node)
		go s.Run(ctx)
		select {
		case got := <-asked:
			if got != want {
				t.Errorf("source for node %q lists pods with selector %q, want %q", node, got, want)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("source for node %q never listed pods", node)
		}
		cancel()
	}
}
