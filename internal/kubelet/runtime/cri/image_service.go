package cri

import (
	"context"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// PullImage pulls an image; it gets the long PullTimeout.
func (c *Client) PullImage(ctx context.Context, req *runtimeapi.PullImageRequest) (*runtimeapi.PullImageResponse, error) {
	return call(ctx, PullTimeout, c.is.PullImage, req)
}

// ImageStatus reports an image; a nil Image means it is absent.
func (c *Client) ImageStatus(ctx context.Context, req *runtimeapi.ImageStatusRequest) (*runtimeapi.ImageStatusResponse, error) {
	return call(ctx, QueryTimeout, c.is.ImageStatus, req)
}

// ListImages lists images matching the filter.
func (c *Client) ListImages(ctx context.Context, req *runtimeapi.ListImagesRequest) (*runtimeapi.ListImagesResponse, error) {
	return call(ctx, QueryTimeout, c.is.ListImages, req)
}

// RemoveImage deletes an image.
func (c *Client) RemoveImage(ctx context.Context, req *runtimeapi.RemoveImageRequest) (*runtimeapi.RemoveImageResponse, error) {
	return call(ctx, ChangeTimeout, c.is.RemoveImage, req)
}
