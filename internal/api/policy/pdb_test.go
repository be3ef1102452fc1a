package policy

import (
	"reflect"
	"testing"

	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
)

func validPDB() *policyv1.PodDisruptionBudget {
	min := intstr.FromInt32(2)
	return &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MinAvailable: &min,
			Selector:     &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
		},
	}
}

func TestPDBValidate(t *testing.T) {
	pct := func(s string) *intstr.IntOrString { v := intstr.FromString(s); return &v }
	cases := []struct {
		name   string
		mutate func(*policyv1.PodDisruptionBudget)
		want   *wantErr
	}{
		{"valid", func(*policyv1.PodDisruptionBudget) {}, nil},
		{"max unavailable percent", func(p *policyv1.PodDisruptionBudget) {
			p.Spec.MinAvailable, p.Spec.MaxUnavailable = nil, pct("50%")
		}, nil},
		{"both", func(p *policyv1.PodDisruptionBudget) { p.Spec.MaxUnavailable = pct("10%") },
			&wantErr{field.ErrorTypeInvalid, "spec"}},
		{"negative", func(p *policyv1.PodDisruptionBudget) { v := intstr.FromInt32(-1); p.Spec.MinAvailable = &v },
			&wantErr{field.ErrorTypeInvalid, "spec.minAvailable"}},
		{"over 100%", func(p *policyv1.PodDisruptionBudget) { p.Spec.MinAvailable = pct("101%") },
			&wantErr{field.ErrorTypeInvalid, "spec.minAvailable"}},
		{"not a percent", func(p *policyv1.PodDisruptionBudget) { p.Spec.MinAvailable = pct("half") },
			&wantErr{field.ErrorTypeInvalid, "spec.minAvailable"}},
		{"bad selector", func(p *policyv1.PodDisruptionBudget) { p.Spec.Selector.MatchLabels["bad key!"] = "x" },
			&wantErr{field.ErrorTypeInvalid, "spec.selector.matchLabels"}},
		{"bad eviction policy", func(p *policyv1.PodDisruptionBudget) {
			v := policyv1.UnhealthyPodEvictionPolicyType("Never")
			p.Spec.UnhealthyPodEvictionPolicy = &v
		}, &wantErr{field.ErrorTypeNotSupported, "spec.unhealthyPodEvictionPolicy"}},
		{"bad name", func(p *policyv1.PodDisruptionBudget) { p.Name = "Web" }, &wantErr{field.ErrorTypeInvalid, "metadata.name"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := validPDB()
			c.mutate(p)
			errs := validatePDB(p)
			if c.want == nil {
				if len(errs) != 0 {
					t.Fatalf("unexpected errors %v", errs)
				}
				return
			}
			if !hasErr(errs, *c.want) {
				t.Errorf("want %v, got %v", *c.want, errs)
			}
		})
	}
}

func TestPDBValidateUpdate(t *testing.T) {
	old := validPDB()
	old.ResourceVersion = "1"
	p := old.DeepCopy()
	v := intstr.FromString("30%")
	p.Spec.MinAvailable, p.Spec.MaxUnavailable = nil, &v
	p.Spec.Selector.MatchLabels = map[string]string{"app": "other"}
	if errs := validatePDBUpdate(p, old); len(errs) != 0 {
		t.Errorf("spec change refused: %v", errs)
	}
	p.Status.DisruptionsAllowed = -1
	if errs := validatePDBUpdate(p, old); !hasErr(errs, wantErr{field.ErrorTypeInvalid, "status.disruptionsAllowed"}) {
		t.Errorf("negative status accepted: %v", errs)
	}
}

func TestPDBRow(t *testing.T) {
	var names []string
	for _, c := range pdbColumns {
		names = append(names, c.Name)
	}
	if want := []string{"Name", "Min Available", "Max Unavailable", "Allowed Disruptions", "Age"}; !reflect.DeepEqual(names, want) {
		t.Errorf("columns = %v", names)
	}
	empty := pdbRow(&policyv1.PodDisruptionBudget{})
	if len(empty) != len(pdbColumns) || empty[1] != "N/A" || empty[2] != "N/A" {
		t.Errorf("empty row = %#v", empty)
	}
	p := validPDB()
	p.Status.DisruptionsAllowed = 1
	row := pdbRow(p)
	if len(row) != len(pdbColumns) || row[0] != "web" || row[1] != "2" || row[2] != "N/A" || row[3] != int64(1) {
		t.Errorf("row = %#v", row)
	}
}

func TestRegister(t *testing.T) {
	r := api.NewRegistry()
	Register(r)
	ks := r.Kinds()
	if len(ks) != 1 {
		t.Fatalf("kinds = %d", len(ks))
	}
	k := ks[0]
	if k.GVR().String() != "policy/v1, Resource=poddisruptionbudgets" || !reflect.DeepEqual(k.ShortNames, []string{"pdb"}) ||
		len(k.Categories) != 0 || !k.HasSubresource("status") || !k.Namespaced {
		t.Errorf("kind = %+v", k)
	}
	if _, ok := k.New().(*policyv1.PodDisruptionBudget); !ok {
		t.Errorf("New = %T", k.New())
	}
	if _, ok := k.NewList().(*policyv1.PodDisruptionBudgetList); !ok {
		t.Errorf("NewList = %T", k.NewList())
	}
}

type wantErr struct {
	typ  field.ErrorType
	path string
}

func hasErr(errs field.ErrorList, w wantErr) bool {
	for _, e := range errs {
		if e.Type == w.typ && e.Field == w.path {
			return true
		}
	}
	return false
}
