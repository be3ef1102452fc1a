package apps

import (
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
)

func controllerRevisionKind() *api.Kind {
	return api.Def[*appsv1.ControllerRevision, *appsv1.ControllerRevisionList]{
		Group: "apps", Version: "v1", Kind: "ControllerRevision",
		Resource: "controllerrevisions", Singular: "controllerrevision", Namespaced: true,
		New:            func() *appsv1.ControllerRevision { return &appsv1.ControllerRevision{} },
		NewList:        func() *appsv1.ControllerRevisionList { return &appsv1.ControllerRevisionList{} },
		Validate:       validateControllerRevision,
		ValidateUpdate: validateControllerRevisionUpdate,
		Columns:        controllerRevisionColumns,
		Row:            controllerRevisionRow,
	}.Build()
}

func validateControllerRevision(cr *appsv1.ControllerRevision) field.ErrorList {
	errs := apivalidation.ValidateObjectMetaAccessor(cr, true, apivalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	if cr.Data.Raw == nil && cr.Data.Object == nil {
		errs = append(errs, field.Required(field.NewPath("data"), "data is mandatory"))
	}
	return append(errs, apivalidation.ValidateNonnegativeField(cr.Revision, field.NewPath("revision"))...)
}

// validateControllerRevisionUpdate: a revision is a snapshot; only its
// metadata and revision number (renumbered on rollback) may change.
func validateControllerRevisionUpdate(cr, old *appsv1.ControllerRevision) field.ErrorList {
	errs := apivalidation.ValidateObjectMetaAccessorUpdate(cr, old, field.NewPath("metadata"))
	errs = append(errs, validateControllerRevision(cr)...)
	return append(errs, immutable(cr.Data, old.Data, field.NewPath("data"))...)
}

var controllerRevisionColumns = []metav1.TableColumnDefinition{
	nameColumn,
	{Name: "Controller", Type: "string", Description: "Controller of the object"},
	{Name: "Revision", Type: "integer", Description: "Revision indicates the revision of the state represented by Data."},
	ageColumn,
}

func controllerRevisionRow(cr *appsv1.ControllerRevision) []any {
	controller := "<none>"
	if ref := metav1.GetControllerOf(cr); ref != nil {
		gv, _ := schema.ParseGroupVersion(ref.APIVersion)
		// "statefulset.apps/web", as kubectl prints kind.group/name.
		controller = strings.ToLower(gv.WithKind(ref.Kind).GroupKind().String()) + "/" + ref.Name
	}
	return []any{cr.Name, controller, cr.Revision, age(cr.CreationTimestamp)}
}
