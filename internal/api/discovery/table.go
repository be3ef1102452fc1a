package discovery

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
)

// maxListed is how many ports or addresses a cell lists before "+ N more...".
const maxListed = 3

var (
	objectMetaDoc = metav1.ObjectMeta{}.SwaggerDoc()
	sliceDoc      = discoveryv1.EndpointSlice{}.SwaggerDoc()
)

var columns = []metav1.TableColumnDefinition{
	{Name: "Name", Type: "string", Format: "name", Description: objectMetaDoc["name"]},
	{Name: "AddressType", Type: "string", Description: sliceDoc["addressType"]},
	{Name: "Ports", Type: "string", Description: sliceDoc["ports"]},
	{Name: "Endpoints", Type: "string", Description: sliceDoc["endpoints"]},
	{Name: "Age", Type: "string", Description: objectMetaDoc["creationTimestamp"]},
}

func row(s *discoveryv1.EndpointSlice) []any {
	return []any{s.Name, string(s.AddressType), formatPorts(s.Ports), formatEndpoints(s.Endpoints), age(s.CreationTimestamp)}
}

// formatPorts shows port numbers, the name for a port without number, "*"
// for a port with neither.
func formatPorts(ports []discoveryv1.EndpointPort) string {
	var list []string
	for _, p := range ports {
		switch {
		case p.Port != nil:
			list = append(list, strconv.Itoa(int(*p.Port)))
		case p.Name != nil:
			list = append(list, *p.Name)
		default:
			list = append(list, "*")
		}
	}
	return listWithMore(list)
}

func formatEndpoints(endpoints []discoveryv1.Endpoint) string {
	var list []string
	for _, ep := range endpoints {
		list = append(list, ep.Addresses...)
	}
	return listWithMore(list)
}

func listWithMore(list []string) string {
	switch {
	case len(list) == 0:
		return "<unset>"
	case len(list) > maxListed:
		return fmt.Sprintf("%s + %d more...", strings.Join(list[:maxListed], ","), len(list)-maxListed)
	default:
		return strings.Join(list, ",")
	}
}

// age is kubectl's AGE cell: "<unknown>" for an unset timestamp.
func age(t metav1.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(time.Since(t.Time))
}
