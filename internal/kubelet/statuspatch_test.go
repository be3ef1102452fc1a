package kubelet

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/strategicpatch"

	"rudder/internal/kubelet/prober"
)

// applyStatusPatch applies a pods/status patch as the API server does and
// returns the resulting pod as the server stores it (see podJSON).
func applyStatusPatch(t *testing.T, server *corev1.Pod, patch []byte) map[string]any {
	t.Helper()
	doc, err := json.Marshal(server)
	if err != nil {
		t.Fatal(err)
	}
	out, err := strategicpatch.StrategicMergePatch(doc, patch, corev1.Pod{})
	if err != nil {
		t.Fatalf("apply patch %s: %v", patch, err)
	}
	return typedJSON(t, out)
}

// typedJSON is a pod's JSON read back through the Pod type, as the server
// stores it: JSON that differs only where the type cannot tell (null or
// absent) compares equal.
func typedJSON(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var pod corev1.Pod
	if err := json.Unmarshal(b, &pod); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(&pod)
	if err != nil {
		t.Fatal(err)
	}
	return jsonMap(t, b)
}

func jsonMap(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func podJSON(t *testing.T, pod *corev1.Pod) map[string]any {
	t.Helper()
	b, err := json.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	return typedJSON(t, b)
}

// drifted is the pod as the API may have it when the kubelet's informer
// lags: someone else flipped Ready (the node lifecycle controller), added
// a condition of their own, and the conditions are in another order.
func drifted(pod *corev1.Pod) *corev1.Pod {
	out := pod.DeepCopy()
	conds := out.Status.Conditions
	for i := range conds {
		if conds[i].Type == corev1.PodReady {
			conds[i].Status = corev1.ConditionUnknown
		}
	}
	slices.Reverse(conds)
	out.Status.Conditions = append(conds, corev1.PodCondition{Type: "example.com/gate", Status: corev1.ConditionTrue})
	return out
}

// checkStatusPatch checks that the patch from the pod's status to st
// takes the pod to st, and does to a drifted pod what the generic patch
// does; fast says whether the direct diff must have handled it.
func checkStatusPatch(t *testing.T, name string, pod *corev1.Pod, st *corev1.PodStatus, fast bool) {
	t.Helper()
	if _, ok := diffPodStatus(&pod.Status, st); ok != fast {
		t.Errorf("%s: direct diff used = %v, want %v", name, ok, fast)
	}
	patch, err := statusPatch(pod, st)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	generic, err := genericStatusPatch(pod, st)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	want := pod.DeepCopy()
	want.Status = *st
	if got := applyStatusPatch(t, pod, patch); fast && !reflect.DeepEqual(got, podJSON(t, want)) {
		t.Errorf("%s: patch %s gives status\n%v\nwant\n%v", name, patch, got["status"], podJSON(t, want)["status"])
	}
	server := drifted(pod)
	if got, want := applyStatusPatch(t, server, patch), applyStatusPatch(t, server, generic); !reflect.DeepEqual(got, want) {
		t.Errorf("%s: on a drifted pod, patch %s gives status\n%v\ngeneric patch %s gives\n%v", name, patch, got["status"], generic, want["status"])
	}
}

func TestStatusPatchAppliesLikeGenericPatch(t *testing.T) {
	pending := benchPod(0)
	withStatus := func(st corev1.PodStatus) *corev1.Pod {
		p := pending.DeepCopy()
		p.Status = st
		return p
	}
	compute := func(pod *corev1.Pod, rt *podRuntime, waiting map[string]*corev1.ContainerStateWaiting, terminal bool) corev1.PodStatus {
		return computePodStatus(statusInput{Pod: pod, Runtime: rt, RuntimeName: "fake", Waiting: waiting, Probes: prober.Default{},
			HostIPs: []string{"192.168.0.10"}, StartTime: t0, Now: t0.Add(5 * time.Second), Terminal: terminal})
	}
	running := compute(pending, view(run("app", 0)), nil, false)
	runningPod := withStatus(running)
	unready := computePodStatus(statusInput{Pod: runningPod, Runtime: view(run("app", 0)), RuntimeName: "fake", Probes: notReady{},
		HostIPs: []string{"192.168.0.10"}, StartTime: t0, Now: t0.Add(9 * time.Second)})
	restarted := compute(runningPod, view(run("app", 1), exit("app", 0, 2)), nil, false)
	crashing := compute(runningPod, view(exit("app", 1, 1), exit("app", 0, 2)), crashLoop("app"), false)
	succeeded := compute(withStatus(running), view(exit("app", 0, 0)), nil, true)
	evicted := *succeeded.DeepCopy()
	evicted.Phase, evicted.Reason, evicted.Message = corev1.PodFailed, "Evicted", "The node was low on resource: memory."
	evicted.Conditions = setPodCondition(evicted.Conditions, corev1.PodCondition{Type: corev1.DisruptionTarget,
		Status: corev1.ConditionTrue, Reason: "TerminationByKubelet", LastTransitionTime: metav1.NewTime(t0)})
	newIP := *running.DeepCopy()
	newIP.PodIP, newIP.PodIPs = "10.42.0.9", []corev1.PodIP{{IP: "10.42.0.9"}, {IP: "fd00::9"}}
	reordered := *running.DeepCopy()
	slices.Reverse(reordered.Conditions)
	fewer := *running.DeepCopy()
	fewer.Conditions = fewer.Conditions[1:]
	fewer.NominatedNodeName, fewer.StartTime, fewer.HostIPs = "", nil, nil
	nominated := withStatus(*running.DeepCopy())
	nominated.Status.NominatedNodeName = "node-3"
	claims := *running.DeepCopy()
	claims.ResourceClaimStatuses = []corev1.PodResourceClaimStatus{{Name: "gpu", ResourceClaimName: ptrTo("gpu-claim")}}

	cases := []struct {
		name string
		pod  *corev1.Pod
		st   corev1.PodStatus
		fast bool
	}{
		{"pending to running", pending, running, true},
		{"readiness lost", runningPod, unready, true},
		{"container restarted", runningPod, restarted, true},
		{"crash loop back-off", runningPod, crashing, true},
		{"succeeded", runningPod, succeeded, true},
		{"evicted", runningPod, evicted, true},
		{"new sandbox IPs", runningPod, newIP, true},
		{"conditions reordered", runningPod, reordered, true},
		{"condition, start time and host IPs removed", nominated, fewer, true},
		{"from an empty status", withStatus(corev1.PodStatus{}), running, true},
		{"to an empty status", runningPod, corev1.PodStatus{}, true},
		{"unchanged", runningPod, running, true},
		{"resource claims: generic diff", runningPod, claims, false},
		{"duplicate condition: generic diff", runningPod, withDuplicateCondition(running), false},
	}
	for _, c := range cases {
		checkStatusPatch(t, c.name, c.pod, &c.st, c.fast)
	}
}

func withDuplicateCondition(st corev1.PodStatus) corev1.PodStatus {
	out := *st.DeepCopy()
	out.Conditions = append(out.Conditions, out.Conditions[0])
	return out
}

func TestStatusPatchWithoutUID(t *testing.T) {
	pod := benchPod(0)
	pod.UID = ""
	st := *pod.Status.DeepCopy()
	st.Phase = corev1.PodRunning
	patch, err := statusPatch(pod, &st)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"status":{"phase":"Running"}}`; string(patch) != want {
		t.Errorf("patch %s, want %s", patch, want)
	}
}

// TestStatusChangesDetected changes, one at a time, every field anywhere
// in a pod status (so also fields a new API version adds): each change
// must change the fingerprint when it changes the status' JSON, and the
// status patch must apply it as the generic patch does.
func TestStatusChangesDetected(t *testing.T) {
	full := corev1.PodStatus{}
	fillLeaves(reflect.ValueOf(&full).Elem(), new(int))
	bases := map[string]corev1.PodStatus{"every field set": full, "empty": {}}
	fastCases := 0
	for baseName, base := range bases {
		typ := reflect.TypeOf(base)
		for i := range leafCount(typ) {
			for _, zero := range []bool{false, true} {
				st := *base.DeepCopy()
				path := mutateLeaf(reflect.ValueOf(&st).Elem(), i, zero, "status")
				name := fmt.Sprintf("%s: %s (zero %v)", baseName, path, zero)
				checkFingerprint(t, name, &base, &st)
				for _, pair := range [][2]*corev1.PodStatus{{&base, &st}, {&st, &base}} {
					pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "uid-1"}, Status: *pair[0]}
					_, fast := diffPodStatus(pair[0], pair[1])
					if fast {
						fastCases++
					} else if baseName == "every field set" && !strings.Contains(path, "ResourceClaimStatuses") && !(zero && mergeKeyPath[path]) {
						t.Errorf("%s: not handled by the direct diff", name)
					}
					checkStatusPatch(t, name, pod, pair[1], fast)
				}
			}
		}
	}
	if fastCases < 100 {
		t.Errorf("only %d changes took the direct diff", fastCases)
	}
}

// mergeKeyPath are the keys of merged lists: a status with an empty key
// goes to the generic diff.
var mergeKeyPath = map[string]bool{"status.Conditions[0].Type": true, "status.HostIPs[0].IP": true, "status.PodIPs[0].IP": true}

func checkFingerprint(t *testing.T, name string, a, b *corev1.PodStatus) {
	t.Helper()
	ja, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if sameJSON, sameFP := string(ja) == string(jb), sameFingerprint(statusFingerprint(a), statusFingerprint(b)); sameJSON != sameFP {
		t.Errorf("%s: same JSON %v but same fingerprint %v", name, sameJSON, sameFP)
	}
}

var (
	timeType     = reflect.TypeOf(metav1.Time{})
	quantityType = reflect.TypeOf(resource.Quantity{})
)

// leafCount is how many leaves (strings, numbers, bools, times,
// quantities) a value of type t has, counting one item of each list and
// map.
func leafCount(t reflect.Type) int {
	if t == timeType || t == quantityType {
		return 1
	}
	switch t.Kind() {
	case reflect.Struct:
		n := 0
		for i := range t.NumField() {
			if t.Field(i).IsExported() {
				n += leafCount(t.Field(i).Type)
			}
		}
		return n
	case reflect.Pointer, reflect.Slice:
		return leafCount(t.Elem())
	case reflect.Map:
		return leafCount(t.Elem())
	case reflect.String, reflect.Bool, reflect.Int32, reflect.Int64:
		return 1
	}
	panic(fmt.Sprintf("status field of kind %s: teach the test about it", t.Kind()))
}

// mutateLeaf changes leaf i under v (or makes it zero), creating the
// first item of lists and maps and the pointers on the way, and returns
// its path.
func mutateLeaf(v reflect.Value, i int, zero bool, path string) string {
	t := v.Type()
	if t == timeType || t == quantityType {
		setLeaf(v, zero)
		return path
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int32, reflect.Int64:
		setLeaf(v, zero)
		return path
	case reflect.Struct:
		for f := range t.NumField() {
			if !t.Field(f).IsExported() {
				continue
			}
			if n := leafCount(t.Field(f).Type); i < n {
				return mutateLeaf(v.Field(f), i, zero, path+"."+t.Field(f).Name)
			} else {
				i -= n
			}
		}
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		return mutateLeaf(v.Elem(), i, zero, path)
	case reflect.Slice:
		if v.Len() == 0 {
			v.Set(reflect.Append(v, reflect.Zero(t.Elem())))
		}
		return mutateLeaf(v.Index(0), i, zero, path+"[0]")
	case reflect.Map:
		if v.IsNil() {
			v.Set(reflect.MakeMap(t))
		}
		key := reflect.ValueOf("example.com/r").Convert(t.Key())
		if keys := v.MapKeys(); len(keys) > 0 {
			key = keys[0]
		}
		elem := reflect.New(t.Elem()).Elem()
		if cur := v.MapIndex(key); cur.IsValid() {
			elem.Set(cur)
		}
		p := mutateLeaf(elem, i, zero, path+"["+key.String()+"]")
		v.SetMapIndex(key, elem)
		return p
	}
	panic("unreachable: leafCount knows every kind")
}

// setLeaf gives a leaf another value (or its zero value).
func setLeaf(v reflect.Value, zero bool) {
	if zero {
		v.Set(reflect.Zero(v.Type()))
		return
	}
	switch {
	case v.Type() == timeType:
		tm := v.Interface().(metav1.Time)
		v.Set(reflect.ValueOf(metav1.NewTime(tm.Add(time.Hour).Truncate(time.Second))))
		if tm.IsZero() {
			v.Set(reflect.ValueOf(metav1.NewTime(t0)))
		}
	case v.Type() == quantityType:
		q := v.Interface().(resource.Quantity)
		q.Add(resource.MustParse("1"))
		v.Set(reflect.ValueOf(q))
	case v.Kind() == reflect.String:
		v.SetString(v.String() + "x")
	case v.Kind() == reflect.Bool:
		v.SetBool(!v.Bool())
	default:
		v.SetInt(v.Int() + 1)
	}
}

// fillLeaves sets every leaf under v to a distinct non-zero value, with
// one item in each list and map.
func fillLeaves(v reflect.Value, n *int) {
	t := v.Type()
	*n++
	switch {
	case t == timeType:
		v.Set(reflect.ValueOf(metav1.NewTime(t0.Add(time.Duration(*n) * time.Second))))
		return
	case t == quantityType:
		v.Set(reflect.ValueOf(*resource.NewQuantity(int64(*n), resource.DecimalSI)))
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		for f := range t.NumField() {
			if t.Field(f).IsExported() {
				fillLeaves(v.Field(f), n)
			}
		}
	case reflect.Pointer:
		v.Set(reflect.New(t.Elem()))
		fillLeaves(v.Elem(), n)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(t, 1, 1))
		fillLeaves(v.Index(0), n)
	case reflect.Map:
		v.Set(reflect.MakeMap(t))
		elem := reflect.New(t.Elem()).Elem()
		fillLeaves(elem, n)
		v.SetMapIndex(reflect.ValueOf(fmt.Sprintf("example.com/r%d", *n)).Convert(t.Key()), elem)
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", *n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int32, reflect.Int64:
		v.SetInt(int64(*n))
	default:
		panic(fmt.Sprintf("status field of kind %s: teach the test about it", t.Kind()))
	}
}
