package apiserver

import (
	"bytes"
	"net/http"
	"sync"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// encodedEventsSize bounds the encodings kept: enough for every watcher
// of a busy resource to pass a burst of events, small enough to be a few
// MiB. An entry also keeps its object alive, so a key's pointer is never
// reused for another object while the entry exists.
const encodedEventsSize = 4096

// encodedEvents remembers how the latest watch events' objects encoded.
// Every watcher of a resource receives the same object from the watch
// cache; encoding it once per wire format instead of once per watcher
// (the scheduler, the controllers, every node agent, users) is what
// Kubernetes' watch cache does with its caching objects too.
type encodedEvents struct {
	mu   sync.Mutex
	m    map[encodedKey][]byte
	ring []encodedKey
	next int
}

type encodedKey struct {
	obj     runtime.Object // the stored object the watch delivered
	res     *resource      // the version it is served as
	encoder runtime.Encoder
	target  target
}

func newEncodedEvents() *encodedEvents {
	return &encodedEvents{m: make(map[encodedKey][]byte, encodedEventsSize), ring: make([]encodedKey, encodedEventsSize)}
}

func (e *encodedEvents) get(k encodedKey) ([]byte, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b, ok := e.m[k]
	return b, ok
}

func (e *encodedEvents) put(k encodedKey, b []byte) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.m[k]; ok {
		return
	}
	if old := e.ring[e.next]; old.obj != nil {
		delete(e.m, old)
	}
	e.ring[e.next] = k
	e.next = (e.next + 1) % len(e.ring)
	e.m[k] = b
}

// encodeWatchObject returns the encoded object of a watch event. Objects
// the output does not depend on the request for (the object itself or its
// metadata) come from the shared encodings; tables, errors and bookmarks
// are encoded for this watcher alone.
func (s *Server) encodeWatchObject(r *http.Request, format outputFormat, res *resource, ev watch.Event, buf *bytes.Buffer) ([]byte, error) {
	shared := ev.Type != watch.Error && ev.Type != watch.Bookmark && format.target != asTable
	key := encodedKey{obj: ev.Object, res: res, encoder: format.info.Serializer, target: format.target}
	if shared {
		if b, ok := s.encoded.get(key); ok {
			return b, nil
		}
	}
	obj, err := s.watchObject(r, format, res, ev)
	if err != nil {
		return nil, err
	}
	buf.Reset()
	if err := format.info.Serializer.Encode(obj, buf); err != nil {
		return nil, err
	}
	if !shared {
		return buf.Bytes(), nil
	}
	b := bytes.Clone(buf.Bytes())
	s.encoded.put(key, b)
	return b, nil
}
