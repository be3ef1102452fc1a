package apiserver

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net/http"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/streaming"
	"k8s.io/apimachinery/pkg/watch"

	"rudder/internal/storage"
)

// minWatchTimeout is kube-apiserver's --min-request-timeout: watches
// without timeoutSeconds last a random time between it and twice it, so
// clients spread their re-watches.
const minWatchTimeout = 30 * time.Minute

func (s *Server) handleWatch(w http.ResponseWriter, r *http.Request, res *resource, info requestInfo) {
	var opts metav1.ListOptions
	if err := s.decodeQuery(r, &opts); err != nil {
		s.writeError(w, r, err)
		return
	}
	if info.Name != "" {
		sel := "metadata.name=" + info.Name
		if opts.FieldSelector != "" {
			sel += "," + opts.FieldSelector
		}
		opts.FieldSelector = sel
	}
	pred, err := s.predicate(res, opts.LabelSelector, opts.FieldSelector)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	format, ok := negotiate(s.codecs, r)
	if !ok || format.info.StreamSerializer == nil {
		s.writeError(w, r, errNotAcceptable(r.Header.Get("Accept")))
		return
	}
	timeout := minWatchTimeout + time.Duration(rand.Int64N(int64(minWatchTimeout)))
	if opts.TimeoutSeconds != nil {
		timeout = time.Duration(*opts.TimeoutSeconds) * time.Second
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	wi, err := res.store.Watch(ctx, res.listPrefix(info.Namespace), storage.WatchOptions{
		ResourceVersion:   opts.ResourceVersion,
		SendInitialEvents: opts.SendInitialEvents,
		Predicate:         pred,
		Bookmarks:         opts.AllowWatchBookmarks,
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer wi.Stop()
	s.streamWatch(ctx, w, r, res, format, wi)
}

func (s *Server) streamWatch(ctx context.Context, w http.ResponseWriter, r *http.Request, res *resource, format outputFormat, wi watch.Interface) {
	ss := format.info.StreamSerializer
	flusher, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", format.info.MediaType)
	w.Header().Set("Transfer-Encoding", "chunked")
	w.WriteHeader(http.StatusOK)
	if flusher != nil {
		flusher.Flush()
	}
	enc := streaming.NewEncoder(ss.Framer.NewFrameWriter(w), ss.Serializer)
	var buf bytes.Buffer
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-wi.ResultChan():
			if !ok {
				return
			}
			data, err := s.encodeWatchObject(r, format, res, ev, &buf)
			if err != nil {
				ev = watch.Event{Type: watch.Error, Object: toStatus(err)}
				if data, err = s.encodeWatchObject(r, format, res, ev, &buf); err != nil {
					return
				}
			}
			we := &metav1.WatchEvent{Type: string(ev.Type), Object: runtime.RawExtension{Raw: data}}
			if err := enc.Encode(we); err != nil {
				return
			}
			if len(wi.ResultChan()) == 0 && flusher != nil {
				flusher.Flush()
			}
		}
	}
}

// watchObject converts one event's object for the client.
func (s *Server) watchObject(r *http.Request, format outputFormat, res *resource, ev watch.Event) (runtime.Object, error) {
	if ev.Type == watch.Error {
		if st, ok := ev.Object.(*metav1.Status); ok {
			st.SetGroupVersionKind(statusGVK)
			return st, nil
		}
		return ev.Object, nil
	}
	obj, err := res.forEncoding(ev.Object)
	if err != nil {
		return nil, err
	}
	if ev.Type == watch.Bookmark && format.target == asTable {
		// A Table has no resourceVersion of its own to carry; the typed
		// bookmark is what Kubernetes sends there too.
		return obj, nil
	}
	return s.convertOutput(r, format, res, obj)
}
