package fake

import (
	"context"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

const fakeImageSize = 1 << 20

// PullImage records the image as present. It fails only as WithPullError
// says.
func (r *Runtime) PullImage(_ context.Context, req *runtimeapi.PullImageRequest) (*runtimeapi.PullImageResponse, error) {
	name := req.GetImage().GetImage()
	if r.pullErr != nil {
		if err := r.pullErr(name); err != nil {
			return nil, err
		}
	}
	ref := imageRef(name)
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.images[name]; !ok {
		r.images[name] = &runtimeapi.Image{Id: ref, RepoTags: []string{name}, Size_: fakeImageSize, Spec: req.Image}
	}
	return &runtimeapi.PullImageResponse{ImageRef: ref}, nil
}

// ImageStatus returns the image, or a nil Image when it was never pulled.
func (r *Runtime) ImageStatus(_ context.Context, req *runtimeapi.ImageStatusRequest) (*runtimeapi.ImageStatusResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return &runtimeapi.ImageStatusResponse{Image: r.images[req.GetImage().GetImage()]}, nil
}

// ListImages lists pulled images.
func (r *Runtime) ListImages(_ context.Context, req *runtimeapi.ListImagesRequest) (*runtimeapi.ListImagesResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	want := req.GetFilter().GetImage().GetImage()
	var out []*runtimeapi.Image
	for name, img := range r.images {
		if want == "" || want == name {
			out = append(out, img)
		}
	}
	return &runtimeapi.ListImagesResponse{Images: out}, nil
}

// RemoveImage forgets an image, named by reference or by ID (as CRI
// runtimes accept both).
func (r *Runtime) RemoveImage(_ context.Context, req *runtimeapi.RemoveImageRequest) (*runtimeapi.RemoveImageResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	want := req.GetImage().GetImage()
	for name, img := range r.images {
		if name == want || img.Id == want {
			delete(r.images, name)
		}
	}
	return &runtimeapi.RemoveImageResponse{}, nil
}
