package registry

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

func TestPushPullByTagAndDigest(t *testing.T) {
	tr := newTestRegistry(t, "")
	img := randomImage(t)
	tr.push(t, "library/busybox:latest", img)
	want := digestOf(t, img)

	for _, ref := range []string{"library/busybox:latest", "library/busybox@" + want.String()} {
		got, err := remote.Image(tr.ref(t, ref))
		if err != nil {
			t.Fatalf("pull %s: %v", ref, err)
		}
		if d := digestOf(t, got); d != want {
			t.Errorf("pull %s: digest %s, want %s", ref, d, want)
		}
		// validate reads every blob back and checks its digest.
		if err := validate.Image(got); err != nil {
			t.Errorf("pulled image %s invalid: %v", ref, err)
		}
	}
}

func TestPushPullIndex(t *testing.T) {
	tr := newTestRegistry(t, "")
	idx := randomIndex(t)
	if err := remote.WriteIndex(tr.ref(t, "multi/arch:v1"), idx); err != nil {
		t.Fatal(err)
	}
	got, err := remote.Index(tr.ref(t, "multi/arch:v1"))
	if err != nil {
		t.Fatal(err)
	}
	if digestOf(t, got) != digestOf(t, idx) {
		t.Error("index digest changed")
	}
	if err := validate.Index(got); err != nil {
		t.Errorf("pulled index invalid: %v", err)
	}
}

func TestTagsListAndCatalog(t *testing.T) {
	tr := newTestRegistry(t, "")
	img := randomImage(t)
	for _, ref := range []string{"library/busybox:latest", "library/busybox:1.36", "pause:3.10", "a/b/c:x"} {
		tr.push(t, ref, img)
	}
	repo, _ := name.NewRepository(tr.host+"/library/busybox", name.Insecure)
	tags, err := remote.List(repo)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"1.36", "latest"}; !reflect.DeepEqual(tags, want) {
		t.Errorf("tags = %v, want %v", tags, want)
	}
	reg, _ := name.NewRegistry(tr.host, name.Insecure)
	repos, err := remote.Catalog(context.Background(), reg)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a/b/c", "library/busybox", "pause"}; !reflect.DeepEqual(repos, want) {
		t.Errorf("catalog = %v, want %v", repos, want)
	}
	// A page of one names the next page in a Link header.
	resp := tr.do(t, "GET", "/v2/_catalog?n=1", "", nil)
	if resp.Header.Get("Link") == "" {
		t.Error("paginated catalog has no Link header")
	}
	page, err := remote.CatalogPage(reg, "a/b/c", 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"library/busybox"}; !reflect.DeepEqual(page, want) {
		t.Errorf("catalog page after a/b/c = %v, want %v", page, want)
	}
}

func TestChunkedUpload(t *testing.T) {
	tr := newTestRegistry(t, "")
	content := "hello, chunked world"
	digest := fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(content)))

	resp := tr.do(t, "POST", "/v2/test/repo/blobs/uploads/", "", nil)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("start upload: status %d", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")

	resp = tr.do(t, "PATCH", loc, content[:5], map[string]string{"Content-Range": "0-4"})
	if resp.StatusCode != http.StatusAccepted || resp.Header.Get("Range") != "0-4" {
		t.Fatalf("first chunk: status %d range %q", resp.StatusCode, resp.Header.Get("Range"))
	}
	// A chunk that would leave a hole is refused and changes nothing.
	resp = tr.do(t, "PATCH", loc, content[8:], map[string]string{"Content-Range": "8-19"})
	if resp.StatusCode != http.StatusRequestedRangeNotSatisfiable {
		t.Fatalf("out-of-order chunk: status %d, want 416", resp.StatusCode)
	}
	resp = tr.do(t, "GET", loc, "", nil)
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Range") != "0-4" {
		t.Fatalf("upload status: %d range %q", resp.StatusCode, resp.Header.Get("Range"))
	}
	resp = tr.do(t, "PATCH", loc, content[5:10], nil) // no Content-Range: append
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("second chunk: status %d", resp.StatusCode)
	}
	resp = tr.do(t, "PUT", loc+"?digest="+digest, content[10:], nil) // last chunk with PUT
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("Docker-Content-Digest") != digest {
		t.Fatalf("finish upload: status %d digest %q", resp.StatusCode, resp.Header.Get("Docker-Content-Digest"))
	}

	resp = tr.do(t, "GET", "/v2/test/repo/blobs/"+digest, "", nil)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(body) != content {
		t.Fatalf("get blob: status %d body %q", resp.StatusCode, body)
	}
	resp = tr.do(t, "GET", loc, "", nil)
	if resp.StatusCode != http.StatusNotFound || errorCode(t, resp) != "BLOB_UPLOAD_UNKNOWN" {
		t.Errorf("finished upload still known: status %d", resp.StatusCode)
	}
}

func TestMonolithicUploadAndDigestCheck(t *testing.T) {
	tr := newTestRegistry(t, "")
	content := "monolithic"
	good := fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(content)))
	bad := fmt.Sprintf("sha256:%x", sha256.Sum256([]byte("other")))

	resp := tr.do(t, "POST", "/v2/r/blobs/uploads/?digest="+bad, content, nil)
	if resp.StatusCode != http.StatusBadRequest || errorCode(t, resp) != "DIGEST_INVALID" {
		t.Fatalf("wrong digest accepted: status %d", resp.StatusCode)
	}
	if resp := tr.do(t, "HEAD", "/v2/r/blobs/"+bad, "", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("blob with wrong content stored: HEAD status %d", resp.StatusCode)
	}
	resp = tr.do(t, "POST", "/v2/r/blobs/uploads/?digest="+good, content, nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("monolithic upload: status %d", resp.StatusCode)
	}
	resp = tr.do(t, "HEAD", "/v2/r/blobs/"+good, "", nil)
	if resp.StatusCode != http.StatusOK || resp.ContentLength != int64(len(content)) {
		t.Errorf("HEAD blob: status %d length %d", resp.StatusCode, resp.ContentLength)
	}
	// Mounting a stored blob into another repository needs no upload.
	resp = tr.do(t, "POST", "/v2/other/blobs/uploads/?mount="+good+"&from=r", "", nil)
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("mount: status %d, want 201", resp.StatusCode)
	}
}

func TestErrors(t *testing.T) {
	tr := newTestRegistry(t, "")
	tr.push(t, "known:v1", randomImage(t))
	missing := "sha256:" + fmt.Sprintf("%064d", 0)
	manifestMissingBlob := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",` +
		`"config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":2,"digest":"` + missing + `"},"layers":[]}`
	tests := []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"unknown blob", "GET", "/v2/known/blobs/" + missing, "", 404, "BLOB_UNKNOWN"},
		{"bad digest", "GET", "/v2/known/blobs/sha256:xyz", "", 400, "DIGEST_INVALID"},
		{"unknown repo", "GET", "/v2/nope/manifests/latest", "", 404, "NAME_UNKNOWN"},
		{"unknown tag", "GET", "/v2/known/manifests/v2", "", 404, "MANIFEST_UNKNOWN"},
		{"unknown tags list", "GET", "/v2/nope/tags/list", "", 404, "NAME_UNKNOWN"},
		{"invalid name", "GET", "/v2/UPPER/manifests/latest", "", 400, "NAME_INVALID"},
		{"traversal name", "GET", "/v2/../x/manifests/latest", "", 400, "NAME_INVALID"},
		{"invalid tag", "PUT", "/v2/known/manifests/bad..tag!", "{}", 400, "TAG_INVALID"},
		{"manifest with missing blob", "PUT", "/v2/known/manifests/v3", manifestMissingBlob, 400, "MANIFEST_BLOB_UNKNOWN"},
		{"manifest not JSON", "PUT", "/v2/known/manifests/v3", "{", 400, "MANIFEST_INVALID"},
		{"unknown upload", "PATCH", "/v2/known/blobs/uploads/0123456789abcdef0123456789abcdef", "x", 404, "BLOB_UPLOAD_UNKNOWN"},
		{"finish without digest", "PUT", "/v2/known/blobs/uploads/0123456789abcdef0123456789abcdef", "", 404, "BLOB_UPLOAD_UNKNOWN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := tr.do(t, tc.method, tc.path, tc.body, map[string]string{"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if code := errorCode(t, resp); code != tc.code {
				t.Errorf("code %s, want %s", code, tc.code)
			}
		})
	}
	if resp := tr.do(t, "GET", "/v2/", "", nil); resp.StatusCode != 200 || resp.Header.Get("Docker-Distribution-API-Version") != "registry/2.0" {
		t.Errorf("/v2/: status %d", resp.StatusCode)
	}
}

func TestDeleteManifest(t *testing.T) {
	tr := newTestRegistry(t, "")
	img := randomImage(t)
	tr.push(t, "r:a", img)
	tr.push(t, "r:b", img)
	d := digestOf(t, img)

	if resp := tr.do(t, "DELETE", "/v2/r/manifests/a", "", nil); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("delete tag: status %d", resp.StatusCode)
	}
	if _, err := remote.Head(tr.ref(t, "r:a")); err == nil {
		t.Error("deleted tag still resolves")
	}
	if _, err := remote.Head(tr.ref(t, "r:b")); err != nil {
		t.Errorf("other tag lost: %v", err)
	}
	if resp := tr.do(t, "DELETE", "/v2/r/manifests/"+d.String(), "", nil); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("delete digest: status %d", resp.StatusCode)
	}
	for _, ref := range []string{"r:b", "r@" + d.String()} {
		if _, err := remote.Head(tr.ref(t, ref)); err == nil {
			t.Errorf("%s resolves after its manifest was deleted", ref)
		}
	}
}

func TestPersistsAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	first := newTestRegistry(t, dir)
	img := randomImage(t)
	first.push(t, "library/busybox:latest", img)
	first.srv.Close()

	second := newTestRegistry(t, dir)
	got, err := remote.Image(second.ref(t, "library/busybox:latest"))
	if err != nil {
		t.Fatalf("pull after restart: %v", err)
	}
	if digestOf(t, got) != digestOf(t, img) {
		t.Error("digest changed across restart")
	}
	if err := validate.Image(got); err != nil {
		t.Errorf("image invalid after restart: %v", err)
	}
}

func TestParseRoute(t *testing.T) {
	tests := []struct {
		path string
		want route
		ok   bool
	}{
		{"/v2/", route{kind: "base"}, true},
		{"/v2", route{kind: "base"}, true},
		{"/v2/_catalog", route{kind: "catalog"}, true},
		{"/v2/library/busybox/tags/list", route{kind: "tags", name: "library/busybox"}, true},
		{"/v2/library/busybox/manifests/latest", route{kind: "manifest", name: "library/busybox", arg: "latest"}, true},
		{"/v2/a/blobs/sha256:ab", route{kind: "blob", name: "a", arg: "sha256:ab"}, true},
		{"/v2/a/b/blobs/uploads/", route{kind: "upload", name: "a/b"}, true},
		{"/v2/a/blobs/uploads", route{kind: "upload", name: "a"}, true},
		{"/v2/a/blobs/uploads/abc", route{kind: "upload", name: "a", arg: "abc"}, true},
		{"/v2/a/nothing", route{}, false},
		{"/other", route{}, false},
	}
	for _, tc := range tests {
		got, ok := parseRoute(tc.path)
		if ok != tc.ok || got != tc.want {
			t.Errorf("parseRoute(%q) = %+v, %v; want %+v, %v", tc.path, got, ok, tc.want, tc.ok)
		}
	}
}
