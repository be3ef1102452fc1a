package apps

import (
	"reflect"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func validDeployment() *appsv1.Deployment {
	d := &appsv1.Deployment{
		ObjectMeta: testMeta("web"),
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: appLabels},
			Template: testTemplate(appLabels),
		},
	}
	defaultDeployment(d)
	return d
}

func TestDeploymentDefaults(t *testing.T) {
	d := &appsv1.Deployment{}
	defaultDeployment(d)
	pct := intstr.FromString("25%")
	want := appsv1.DeploymentSpec{
		Replicas: ptr(int32(1)),
		Strategy: appsv1.DeploymentStrategy{
			Type:          appsv1.RollingUpdateDeploymentStrategyType,
			RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: &pct, MaxSurge: &pct},
		},
		RevisionHistoryLimit:    ptr(int32(10)),
		ProgressDeadlineSeconds: ptr(int32(600)),
	}
	// The pod template is defaulted by podspec; only check that it ran.
	if d.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		t.Errorf("pod template not defaulted: %+v", d.Spec.Template.Spec)
	}
	want.Template = d.Spec.Template
	if !reflect.DeepEqual(d.Spec, want) {
		t.Errorf("defaults = %+v, want %+v", d.Spec, want)
	}

	// Given values are kept, and Recreate gets no rolling update.
	d = &appsv1.Deployment{Spec: appsv1.DeploymentSpec{
		Replicas: ptr(int32(0)), Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
	}}
	defaultDeployment(d)
	if *d.Spec.Replicas != 0 || d.Spec.Strategy.RollingUpdate != nil {
		t.Errorf("defaulting changed given values: %+v", d.Spec)
	}
}

func TestDeploymentValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*appsv1.Deployment)
		want   []wantErr
	}{
		{"valid", func(*appsv1.Deployment) {}, nil},
		{"recreate", func(d *appsv1.Deployment) {
			d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
		}, nil},
		{"bad name", func(d *appsv1.Deployment) { d.Name = "Web_1" }, []wantErr{{field.ErrorTypeInvalid, "metadata.name"}}},
		{"no namespace", func(d *appsv1.Deployment) { d.Namespace = "" }, []wantErr{{field.ErrorTypeRequired, "metadata.namespace"}}},
		{"negative replicas", func(d *appsv1.Deployment) { d.Spec.Replicas = ptr(int32(-1)) },
			[]wantErr{{field.ErrorTypeInvalid, "spec.replicas"}}},
		{"no selector", func(d *appsv1.Deployment) { d.Spec.Selector = nil },
			[]wantErr{{field.ErrorTypeRequired, "spec.selector"}}},
		{"empty selector", func(d *appsv1.Deployment) { d.Spec.Selector = &metav1.LabelSelector{} },
			[]wantErr{{field.ErrorTypeInvalid, "spec.selector"}}},
		{"selector does not match", func(d *appsv1.Deployment) { d.Spec.Template.Labels = map[string]string{"app": "db"} },
			[]wantErr{{field.ErrorTypeInvalid, "spec.template.metadata.labels"}}},
		{"bad selector operator", func(d *appsv1.Deployment) {
			d.Spec.Selector.MatchExpressions = []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Near"}}
		}, []wantErr{{field.ErrorTypeInvalid, "spec.selector.matchExpressions[0].operator"}}},
		{"restart policy", func(d *appsv1.Deployment) { d.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever },
			[]wantErr{{field.ErrorTypeNotSupported, "spec.template.spec.restartPolicy"}}},
		{"active deadline", func(d *appsv1.Deployment) { d.Spec.Template.Spec.ActiveDeadlineSeconds = ptr(int64(5)) },
			[]wantErr{{field.ErrorTypeForbidden, "spec.template.spec.activeDeadlineSeconds"}}},
		{"both zero", func(d *appsv1.Deployment) {
			zero := intstr.FromInt32(0)
			d.Spec.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{MaxUnavailable: &zero, MaxSurge: ptr(intstr.FromString("0%"))}
		}, []wantErr{{field.ErrorTypeInvalid, "spec.strategy.rollingUpdate.maxUnavailable"}}},
		{"over 100%", func(d *appsv1.Deployment) {
			d.Spec.Strategy.RollingUpdate.MaxUnavailable = ptr(intstr.FromString("150%"))
		}, []wantErr{{field.ErrorTypeInvalid, "spec.strategy.rollingUpdate.maxUnavailable"}}},
		{"bad percent", func(d *appsv1.Deployment) {
			d.Spec.Strategy.RollingUpdate.MaxSurge = ptr(intstr.FromString("ten"))
		}, []wantErr{{field.ErrorTypeInvalid, "spec.strategy.rollingUpdate.maxSurge"}}},
		{"negative surge", func(d *appsv1.Deployment) {
			d.Spec.Strategy.RollingUpdate.MaxSurge = ptr(intstr.FromInt32(-1))
		}, []wantErr{{field.ErrorTypeInvalid, "spec.strategy.rollingUpdate.maxSurge"}}},
		{"recreate with rolling update", func(d *appsv1.Deployment) { d.Spec.Strategy.Type = appsv1.RecreateDeploymentStrategyType },
			[]wantErr{{field.ErrorTypeForbidden, "spec.strategy.rollingUpdate"}}},
		{"unknown strategy", func(d *appsv1.Deployment) { d.Spec.Strategy.Type = "BlueGreen" },
			[]wantErr{{field.ErrorTypeNotSupported, "spec.strategy.type"}}},
		{"rolling update nil", func(d *appsv1.Deployment) { d.Spec.Strategy.RollingUpdate = nil },
			[]wantErr{{field.ErrorTypeRequired, "spec.strategy.rollingUpdate"}}},
		{"negative history", func(d *appsv1.Deployment) { d.Spec.RevisionHistoryLimit = ptr(int32(-1)) },
			[]wantErr{{field.ErrorTypeInvalid, "spec.revisionHistoryLimit"}}},
		{"deadline not above minReady", func(d *appsv1.Deployment) { d.Spec.MinReadySeconds = 600 },
			[]wantErr{{field.ErrorTypeInvalid, "spec.progressDeadlineSeconds"}}},
		{"negative minReady", func(d *appsv1.Deployment) { d.Spec.MinReadySeconds = -1 },
			[]wantErr{{field.ErrorTypeInvalid, "spec.minReadySeconds"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := validDeployment()
			c.mutate(d)
			checkErrors(t, validateDeployment(d), c.want...)
		})
	}
}

func TestDeploymentValidateUpdate(t *testing.T) {
	old := validDeployment()
	scaled := validDeployment()
	scaled.Spec.Replicas = ptr(int32(5))
	scaled.Spec.Template.Spec.Containers[0].Image = "nginx:1.28"
	checkErrors(t, validateDeploymentUpdate(scaled, old))

	moved := validDeployment()
	moved.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web", "tier": "front"}}
	moved.Spec.Template.Labels = map[string]string{"app": "web", "tier": "front"}
	checkErrors(t, validateDeploymentUpdate(moved, old), wantErr{field.ErrorTypeInvalid, "spec.selector"})

	badStatus := validDeployment()
	badStatus.Status.ReadyReplicas = -1
	checkErrors(t, validateDeploymentUpdate(badStatus, old), wantErr{field.ErrorTypeInvalid, "status.readyReplicas"})
}

func TestDeploymentRow(t *testing.T) {
	if got, want := columnNames(deploymentColumns), []string{"Name", "Ready", "Up-to-date", "Available", "Age"}; !reflect.DeepEqual(got, want) {
		t.Errorf("columns = %v, want %v", got, want)
	}
	checkRow(t, deploymentRow(&appsv1.Deployment{}), deploymentColumns, "")

	d := validDeployment()
	d.Spec.Replicas = ptr(int32(3))
	d.Status = appsv1.DeploymentStatus{ReadyReplicas: 2, UpdatedReplicas: 3, AvailableReplicas: 1}
	d.CreationTimestamp = metav1.NewTime(time.Now().Add(-2 * time.Hour))
	row := deploymentRow(d)
	checkRow(t, row, deploymentColumns, "web")
	want := []any{"web", "2/3", int64(3), int64(1), "120m", "web,side", "nginx:1.27,busybox", "app=web"}
	if !reflect.DeepEqual(row, want) {
		t.Errorf("row = %#v, want %#v", row, want)
	}
}
