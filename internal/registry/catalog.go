package registry

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
)

func (r *Registry) serveCatalog(w http.ResponseWriter, req *http.Request) error {
	if req.Method != http.MethodGet {
		return methodNotAllowed()
	}
	repos, err := r.store.repositories()
	if err != nil {
		return err
	}
	page, err := paginate(w, req, repos)
	if err != nil {
		return err
	}
	return writeJSON(w, struct {
		Repositories []string `json:"repositories"`
	}{Repositories: page})
}

func (r *Registry) serveTags(w http.ResponseWriter, req *http.Request, name string) error {
	if req.Method != http.MethodGet {
		return methodNotAllowed()
	}
	if !r.store.repoExists(name) {
		return nameUnknown()
	}
	tags, err := r.store.tags(name)
	if err != nil {
		return err
	}
	page, err := paginate(w, req, tags)
	if err != nil {
		return err
	}
	return writeJSON(w, struct {
		Name string   `json:"name"`
		Tags []string `json:"tags"`
	}{Name: name, Tags: page})
}

// paginate applies the ?n= and ?last= parameters to a sorted list and sets
// the Link header when more entries follow.
func paginate(w http.ResponseWriter, req *http.Request, all []string) ([]string, error) {
	q := req.URL.Query()
	if last := q.Get("last"); last != "" {
		all = all[sort.SearchStrings(all, last):]
		if len(all) > 0 && all[0] == last {
			all = all[1:]
		}
	}
	page := all
	if ns := q.Get("n"); ns != "" {
		n, err := strconv.Atoi(ns)
		if err != nil || n < 0 {
			return nil, newError(http.StatusBadRequest, "PAGINATION_NUMBER_INVALID", "invalid n")
		}
		if n < len(all) {
			page = all[:n]
			if n > 0 {
				next := url.URL{Path: req.URL.Path, RawQuery: url.Values{"n": {ns}, "last": {page[n-1]}}.Encode()}
				w.Header().Set("Link", "<"+next.String()+`>; rel="next"`)
			}
		}
	}
	if page == nil {
		page = []string{}
	}
	return page, nil
}

// writeJSON encodes before writing anything, so that an encoding error can
// still be answered as an error.
func writeJSON(w http.ResponseWriter, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(append(b, '\n'))
	return nil
}
