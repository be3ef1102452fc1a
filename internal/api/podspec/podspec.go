// Package podspec holds the defaulting and validation of pod specs and pod
// templates, shared by every kind that embeds a pod template (pods,
// replication controllers, deployments, jobs, ...).
package podspec
