package gc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/utils/clock"

	"rudder/internal/kubelet/runtime"
)

// ImagePolicy says when unused images are removed: when the image
// filesystem is more than HighThresholdPercent full, least recently used
// first, until it is below LowThresholdPercent.
type ImagePolicy struct {
	HighThresholdPercent int
	LowThresholdPercent  int
	// MinAge: an image first seen less than this ago is never removed
	// (it may be about to be used).
	MinAge time.Duration
}

// DefaultImagePolicy is Kubernetes' default (85%, 80%, 2m).
func DefaultImagePolicy() ImagePolicy {
	return ImagePolicy{HighThresholdPercent: 85, LowThresholdPercent: 80, MinAge: 2 * time.Minute}
}

// FsUsage is the size and free space of a filesystem, in bytes.
type FsUsage struct {
	Capacity  uint64
	Available uint64
}

// ImageInfo is an image with what the collector remembers of its use.
type ImageInfo struct {
	ID            string
	Tags          []string
	Size          uint64
	Pinned        bool // the runtime asks to keep it (e.g. its sandbox image)
	InUse         bool
	FirstDetected time.Time
	LastUsed      time.Time
}

// SelectImages chooses unused, unpinned images first seen at least minAge
// before now, least recently used first, until they add up to want bytes.
func SelectImages(images []ImageInfo, want uint64, minAge time.Duration, now time.Time) []ImageInfo {
	var cands []ImageInfo
	for _, img := range images {
		if !img.InUse && !img.Pinned && now.Sub(img.FirstDetected) >= minAge {
			cands = append(cands, img)
		}
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if !cands[i].LastUsed.Equal(cands[j].LastUsed) {
			return cands[i].LastUsed.Before(cands[j].LastUsed)
		}
		return cands[i].FirstDetected.Before(cands[j].FirstDetected)
	})
	var out []ImageInfo
	freed := uint64(0)
	for _, img := range cands {
		if freed >= want {
			break
		}
		out = append(out, img)
		freed += img.Size
	}
	return out
}

// BytesToFree is how much must go for usage to fall below low percent,
// or 0 while usage is at most high percent.
func BytesToFree(fs FsUsage, high, low int) uint64 {
	if fs.Capacity == 0 || fs.Available > fs.Capacity {
		return 0
	}
	used := fs.Capacity - fs.Available
	if used*100 <= uint64(high)*fs.Capacity {
		return 0
	}
	target := uint64(low) * fs.Capacity / 100
	if used <= target {
		return 0
	}
	return used - target
}

// ImageCollector removes unused images. It remembers when each image was
// first seen and last used by a container, so it must live as long as the
// kubelet and Collect must run regularly.
type ImageCollector struct {
	Runtime runtime.Runtime
	Policy  ImagePolicy
	// Fs reports the image filesystem.
	Fs func(ctx context.Context) (FsUsage, error)
	// PauseImage is never removed: sandboxes use it without a container
	// naming it.
	PauseImage string
	Clock      clock.PassiveClock
	Logger     *slog.Logger

	mu      sync.Mutex
	records map[string]*imageRecord // by image ID
}

type imageRecord struct{ firstDetected, lastUsed time.Time }

// Collect removes images when the image filesystem is above the high
// threshold; it returns the bytes freed.
func (g *ImageCollector) Collect(ctx context.Context) (uint64, error) {
	images, err := g.Detect(ctx)
	if err != nil {
		return 0, err
	}
	fs, err := g.Fs(ctx)
	if err != nil {
		return 0, fmt.Errorf("image gc: image filesystem: %w", err)
	}
	want := BytesToFree(fs, g.Policy.HighThresholdPercent, g.Policy.LowThresholdPercent)
	if want == 0 {
		return 0, nil
	}
	g.Logger.Info("image filesystem above high threshold, removing unused images",
		"capacity", fs.Capacity, "available", fs.Available, "toFree", want)
	return g.remove(ctx, SelectImages(images, want, g.Policy.MinAge, g.Clock.Now()))
}

// DeleteUnused removes every unused image (whatever its age), as the
// eviction manager asks under disk pressure.
func (g *ImageCollector) DeleteUnused(ctx context.Context) (uint64, error) {
	images, err := g.Detect(ctx)
	if err != nil {
		return 0, err
	}
	return g.remove(ctx, SelectImages(images, ^uint64(0), 0, g.Clock.Now()))
}

func (g *ImageCollector) remove(ctx context.Context, images []ImageInfo) (uint64, error) {
	var freed uint64
	var errs []error
	for _, img := range images {
		if _, err := g.Runtime.RemoveImage(ctx, &runtimeapi.RemoveImageRequest{Image: &runtimeapi.ImageSpec{Image: img.ID}}); err != nil && !notFound(err) {
			errs = append(errs, fmt.Errorf("image gc: remove %s: %w", img.ID, err))
			continue
		}
		g.Logger.Info("removed unused image", "id", img.ID, "tags", img.Tags, "size", img.Size)
		freed += img.Size
		g.mu.Lock()
		delete(g.records, img.ID)
		g.mu.Unlock()
	}
	return freed, errors.Join(errs...)
}

// Detect lists images, marks those used by any container (running or
// not: a dead one may restart) and updates first-seen and last-used times.
func (g *ImageCollector) Detect(ctx context.Context) ([]ImageInfo, error) {
	li, err := g.Runtime.ListImages(ctx, &runtimeapi.ListImagesRequest{})
	if err != nil {
		return nil, fmt.Errorf("image gc: list images: %w", err)
	}
	lc, err := g.Runtime.ListContainers(ctx, &runtimeapi.ListContainersRequest{})
	if err != nil {
		return nil, fmt.Errorf("image gc: list containers: %w", err)
	}
	used := map[string]bool{}
	for _, c := range lc.Containers {
		used[c.ImageRef] = true
		used[c.GetImage().GetImage()] = true
	}
	now := g.Clock.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.records == nil {
		g.records = map[string]*imageRecord{}
	}
	seen := map[string]bool{}
	out := make([]ImageInfo, 0, len(li.Images))
	for _, img := range li.Images {
		info := g.info(img, used, now)
		seen[img.Id] = true
		out = append(out, info)
	}
	for id := range g.records {
		if !seen[id] {
			delete(g.records, id)
		}
	}
	return out, nil
}

// info builds one image's record; callers hold mu.
func (g *ImageCollector) info(img *runtimeapi.Image, used map[string]bool, now time.Time) ImageInfo {
	info := ImageInfo{ID: img.Id, Tags: img.RepoTags, Size: img.Size_, Pinned: img.Pinned, InUse: used[img.Id]}
	for _, name := range append(append([]string{}, img.RepoTags...), img.RepoDigests...) {
		info.InUse = info.InUse || used[name]
		info.Pinned = info.Pinned || (g.PauseImage != "" && name == g.PauseImage)
	}
	r := g.records[img.Id]
	if r == nil {
		r = &imageRecord{firstDetected: now}
		g.records[img.Id] = r
	}
	if info.InUse {
		r.lastUsed = now
	}
	info.FirstDetected, info.LastUsed = r.firstDetected, r.lastUsed
	return info
}
