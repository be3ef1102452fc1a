package kubelet

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/types"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"rudder/internal/kubelet/eviction"
	"rudder/internal/kubelet/gc"
	"rudder/internal/kubelet/runtime"
)

// newCollectors builds the container and image garbage collectors. Image
// GC is nil when the image filesystem cannot be observed.
func (k *Kubelet) newCollectors() (*gc.ContainerCollector, *gc.ImageCollector) {
	cc := &gc.ContainerCollector{
		Runtime: k.rt, Policy: k.cfg.ContainerGC, PodExists: k.podExists,
		Clock: k.cfg.Clock, Logger: k.log,
	}
	if k.cfg.RootDir != "" {
		cc.PodLogsDir = k.cfg.PodLogsDir // a real node: its log dirs are ours
	}
	_, hasInfo := k.rt.(runtime.ImageFsInfoer)
	if !hasInfo && k.cfg.ImageFsPath == "" {
		return cc, nil
	}
	return cc, &gc.ImageCollector{
		Runtime: k.rt, Policy: k.cfg.ImageGC, Fs: k.imageFsUsage, PauseImage: k.cfg.PauseImage,
		Clock: k.cfg.Clock, Logger: k.log,
	}
}

// podExists says whether a pod UID is one the kubelet still runs (from the
// API or a static manifest): GC removes everything of the others.
func (k *Kubelet) podExists(uid string) bool {
	if k.static.get(types.UID(uid)) != nil {
		return true
	}
	for _, pod := range k.pods.List(k.cfg.NodeName) {
		if string(pod.UID) == uid {
			return true
		}
	}
	return k.workers.has(types.UID(uid)) // a worker still finishing it
}

// imageFsUsage is the size and free space of the image filesystem: the
// mount point the runtime reports, else ImageFsPath.
func (k *Kubelet) imageFsUsage(ctx context.Context) (gc.FsUsage, error) {
	path := k.cfg.ImageFsPath
	if r, ok := k.rt.(runtime.ImageFsInfoer); ok {
		resp, err := r.ImageFsInfo(ctx, &runtimeapi.ImageFsInfoRequest{})
		if err == nil && len(resp.ImageFilesystems) > 0 && resp.ImageFilesystems[0].GetFsId().GetMountpoint() != "" {
			path = resp.ImageFilesystems[0].FsId.Mountpoint
		}
	}
	if path == "" {
		return gc.FsUsage{}, fmt.Errorf("image filesystem unknown")
	}
	st, err := eviction.Statfs(path)
	if err != nil {
		return gc.FsUsage{}, err
	}
	return gc.FsUsage{Capacity: st.Capacity, Available: st.Available}, nil
}

// gcLoop collects dead containers every GCPeriod and checks the image
// filesystem every ImageGCPeriod, until ctx ends.
func (k *Kubelet) gcLoop(ctx context.Context) {
	lastImages := k.cfg.Clock.Now()
	for k.sleep(ctx, k.cfg.GCPeriod) {
		if err := k.containerGC.Collect(ctx); err != nil && ctx.Err() == nil {
			k.log.Warn("container garbage collection", "err", err)
		}
		if k.imageGC == nil || k.cfg.Clock.Since(lastImages) < k.cfg.ImageGCPeriod {
			continue
		}
		lastImages = k.cfg.Clock.Now()
		if _, err := k.imageGC.Collect(ctx); err != nil && ctx.Err() == nil {
			k.log.Warn("image garbage collection", "err", err)
		}
	}
}

// imageDetectLoop keeps image last-used times current between
// collections (Kubernetes records them every 30s).
func (k *Kubelet) imageDetectLoop(ctx context.Context) {
	for k.sleep(ctx, 30*time.Second) {
		if _, err := k.imageGC.Detect(ctx); err != nil && ctx.Err() == nil {
			k.log.Debug("detect images", "err", err)
		}
	}
}

// reclaimDisk frees node-level disk before pods are evicted for disk
// pressure: dead containers, then every unused image.
func (k *Kubelet) reclaimDisk(ctx context.Context) error {
	err := k.containerGC.Collect(ctx)
	if k.imageGC != nil {
		if _, e := k.imageGC.DeleteUnused(ctx); e != nil {
			return fmt.Errorf("reclaim images: %w", e)
		}
	}
	return err
}
