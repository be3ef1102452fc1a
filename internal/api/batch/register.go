// Package batch describes the batch/v1 kinds: Job and CronJob.
package batch

import "rudder/internal/api"

// Register adds the batch/v1 kinds to r.
func Register(r *api.Registry) {
	r.Add(jobKind())
	r.Add(cronJobKind())
}
