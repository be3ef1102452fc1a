package ctrlutil

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
)

// Informer indexes by controller, so that a controller's sync reads only
// the objects it controls and the orphans it might adopt, not every object
// of the namespace: objects controlled by someone else are never counted
// nor claimed, so looking at them is wasted work (and with many workloads
// in one namespace, most of the work).
const (
	// ControllerUIDIndex maps "<namespace>/<controller UID>" to the
	// objects of that namespace whose controlling owner reference carries
	// the UID (an owner reference never crosses namespaces: a pod in
	// another namespace naming the same UID is not the controller's).
	ControllerUIDIndex = "ctrlutil.controllerUID"
	// OrphanIndex maps a namespace to its objects without a controller.
	OrphanIndex = "ctrlutil.orphansByNamespace"
)

// ControllerIndexers are the two indexes, for informers built by hand.
func ControllerIndexers() cache.Indexers {
	return cache.Indexers{ControllerUIDIndex: indexByControllerUID, OrphanIndex: indexOrphanByNamespace}
}

func indexByControllerUID(obj any) ([]string, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, nil // not an object: nothing to index
	}
	if ref := metav1.GetControllerOfNoCopy(m); ref != nil {
		return []string{controllerKey(m.GetNamespace(), ref.UID)}, nil
	}
	return nil, nil
}

func indexOrphanByNamespace(obj any) ([]string, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, nil
	}
	if metav1.GetControllerOfNoCopy(m) == nil {
		return []string{m.GetNamespace()}, nil
	}
	return nil, nil
}

// AddControllerIndexes adds both indexes to a shared informer unless it
// has them already: several controllers (ReplicaSet and
// ReplicationController share the pod informer) ask for them, and adding
// an index name twice is an error.
func AddControllerIndexes(inf cache.SharedIndexInformer) error {
	missing := missingIndexers(inf.GetIndexer())
	if len(missing) == 0 {
		return nil
	}
	if err := inf.AddIndexers(missing); err != nil {
		// Another controller may have added them meanwhile.
		if len(missingIndexers(inf.GetIndexer())) == 0 {
			return nil
		}
		return fmt.Errorf("adding controller indexes: %w", err)
	}
	return nil
}

func missingIndexers(idx cache.Indexer) cache.Indexers {
	have := idx.GetIndexers()
	missing := cache.Indexers{}
	for name, fn := range ControllerIndexers() {
		if _, ok := have[name]; !ok {
			missing[name] = fn
		}
	}
	return missing
}

// HasControllerIndexes reports whether idx carries both indexes.
func HasControllerIndexes(idx cache.Indexer) bool {
	return len(missingIndexers(idx)) == 0
}

func controllerKey(ns string, uid types.UID) string { return ns + "/" + string(uid) }

// ControlledBy returns the objects of namespace ns whose controller has
// uid.
func ControlledBy(idx cache.Indexer, ns string, uid types.UID) ([]any, error) {
	objs, err := idx.ByIndex(ControllerUIDIndex, controllerKey(ns, uid))
	if err != nil {
		return nil, fmt.Errorf("reading objects of namespace %q controlled by %s: %w", ns, uid, err)
	}
	return objs, nil
}

// OrphansIn returns the objects of namespace ns without a controller.
func OrphansIn(idx cache.Indexer, ns string) ([]any, error) {
	objs, err := idx.ByIndex(OrphanIndex, ns)
	if err != nil {
		return nil, fmt.Errorf("reading orphans of namespace %q: %w", ns, err)
	}
	return objs, nil
}
