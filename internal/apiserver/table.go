package apiserver

import (
	"net/http"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

var defaultColumns = []metav1.TableColumnDefinition{
	{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
	{Name: "Created At", Type: "date", Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]},
}

// toTable renders an object or a list as a meta.k8s.io/v1 Table with the
// kind's columns; each row carries the object as ?includeObject= asks
// (Metadata by default, as Kubernetes does).
func (s *Server) toTable(r *http.Request, res *resource, obj runtime.Object) (*metav1.Table, error) {
	t := &metav1.Table{}
	t.SetGroupVersionKind(metav1.SchemeGroupVersion.WithKind("Table"))
	t.ColumnDefinitions = res.kind.Columns
	if t.ColumnDefinitions == nil {
		t.ColumnDefinitions = defaultColumns
	}
	include := metav1.IncludeMetadata
	switch r.URL.Query().Get("includeObject") {
	case string(metav1.IncludeNone):
		include = metav1.IncludeNone
	case string(metav1.IncludeObject):
		include = metav1.IncludeObject
	}
	items := []runtime.Object{obj}
	if meta.IsListType(obj) {
		var err error
		if items, err = meta.ExtractList(obj); err != nil {
			return nil, err
		}
		lm, _ := meta.ListAccessor(obj)
		t.ResourceVersion = lm.GetResourceVersion()
		t.Continue = lm.GetContinue()
		t.RemainingItemCount = lm.GetRemainingItemCount()
	}
	t.Rows = make([]metav1.TableRow, 0, len(items))
	for _, it := range items {
		t.Rows = append(t.Rows, tableRow(res, it, include))
	}
	return t, nil
}

func tableRow(res *resource, obj runtime.Object, include metav1.IncludeObjectPolicy) metav1.TableRow {
	var cells []any
	if res.kind.Row != nil {
		cells = res.kind.Row(obj)
	} else {
		m := metaOf(obj)
		cells = []any{m.GetName(), m.GetCreationTimestamp().UTC().Format("2006-01-02T15:04:05Z")}
	}
	row := metav1.TableRow{Cells: cells}
	switch include {
	case metav1.IncludeMetadata:
		// managedFields are dropped from table rows as Kubernetes does:
		// kubectl never prints them and they are most of the bytes.
		p := partialOf(obj)
		p.ManagedFields = nil
		row.Object = runtime.RawExtension{Object: p}
	case metav1.IncludeObject:
		row.Object = runtime.RawExtension{Object: obj}
	}
	return row
}
