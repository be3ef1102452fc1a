package volume

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// File is one file of a projected payload (configMap, secret, downwardAPI).
type File struct {
	Data []byte
	Mode os.FileMode
}

const (
	dataLink    = "..data"
	dataLinkTmp = "..data_tmp"
)

// atomicWriter writes a payload into a directory the way Kubernetes does,
// so that a container sees either the old or the new set of files, never a
// mix: the files live in a hidden timestamped directory, "..data" is a
// symlink to it, and each visible top-level name is a symlink through
// "..data". An update writes a new hidden directory and renames a new
// "..data" link over the old one (rename is atomic).
type atomicWriter struct {
	dir string
	// beforeSwap, when set, runs after the new payload is written and
	// before "..data" is switched (tests check the old content is intact).
	beforeSwap func()
}

// Write makes dir hold exactly payload; it changes nothing when dir
// already does.
func (w *atomicWriter) Write(payload map[string]File) error {
	for p := range payload {
		if err := validatePayloadPath(p); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(w.dir, 0o755); err != nil {
		return fmt.Errorf("create volume dir: %w", err)
	}
	oldTarget, _ := os.Readlink(filepath.Join(w.dir, dataLink))
	if oldTarget != "" && samePayload(filepath.Join(w.dir, oldTarget), payload) {
		return nil
	}
	newDir, err := w.writeHidden(payload)
	if err != nil {
		return err
	}
	if w.beforeSwap != nil {
		w.beforeSwap()
	}
	if err := w.swap(filepath.Base(newDir)); err != nil {
		os.RemoveAll(newDir)
		return err
	}
	if err := w.linkVisible(payload); err != nil {
		return err
	}
	if oldTarget != "" && oldTarget != filepath.Base(newDir) {
		if err := os.RemoveAll(filepath.Join(w.dir, oldTarget)); err != nil {
			return fmt.Errorf("remove old payload: %w", err)
		}
	}
	return nil
}

// validatePayloadPath refuses paths that could leave the volume or collide
// with the hidden entries.
func validatePayloadPath(p string) error {
	switch {
	case p == "" || filepath.IsAbs(p):
		return fmt.Errorf("invalid path %q: must be relative and not empty", p)
	case strings.HasPrefix(p, ".."):
		return fmt.Errorf("invalid path %q: must not start with '..'", p)
	}
	for _, part := range strings.Split(p, "/") {
		if part == ".." {
			return fmt.Errorf("invalid path %q: must not contain '..'", p)
		}
	}
	return nil
}

// samePayload reports whether dir holds exactly payload (content and mode).
func samePayload(dir string, payload map[string]File) bool {
	seen := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		f, ok := payload[rel]
		if !ok {
			return errors.New("extra file")
		}
		info, err := d.Info()
		if err != nil || info.Mode().Perm() != f.Mode.Perm() {
			return errors.New("mode differs")
		}
		data, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(data, f.Data) {
			return errors.New("content differs")
		}
		seen++
		return nil
	})
	return err == nil && seen == len(payload)
}

// writeHidden writes the payload into a new "..<timestamp>.<random>" dir.
func (w *atomicWriter) writeHidden(payload map[string]File) (string, error) {
	dir, err := os.MkdirTemp(w.dir, ".."+time.Now().UTC().Format("2006_01_02_15_04_05.")) //nolint
	if err != nil {
		return "", fmt.Errorf("create payload dir: %w", err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", fmt.Errorf("chmod payload dir: %w", err)
	}
	for p, f := range payload {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return "", fmt.Errorf("create dir for %s: %w", p, err)
		}
		if err := os.WriteFile(full, f.Data, f.Mode.Perm()); err != nil {
			return "", fmt.Errorf("write %s: %w", p, err)
		}
		// WriteFile's mode is masked by the umask; the API's mode is not.
		if err := os.Chmod(full, f.Mode.Perm()); err != nil {
			return "", fmt.Errorf("chmod %s: %w", p, err)
		}
	}
	return dir, nil
}

// swap points "..data" at the new hidden dir with an atomic rename.
func (w *atomicWriter) swap(target string) error {
	tmp := filepath.Join(w.dir, dataLinkTmp)
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return fmt.Errorf("create %s link: %w", dataLinkTmp, err)
	}
	if err := os.Rename(tmp, filepath.Join(w.dir, dataLink)); err != nil {
		return fmt.Errorf("switch %s link: %w", dataLink, err)
	}
	return nil
}

// linkVisible creates "<name> -> ..data/<name>" for each top-level name of
// the payload and removes visible links that are no longer in it.
func (w *atomicWriter) linkVisible(payload map[string]File) error {
	want := map[string]bool{}
	for p := range payload {
		want[strings.SplitN(p, "/", 2)[0]] = true
	}
	entries, err := os.ReadDir(w.dir)
	if err != nil {
		return fmt.Errorf("read volume dir: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, "..") || want[name] || e.Type()&fs.ModeSymlink == 0 {
			continue
		}
		if err := os.Remove(filepath.Join(w.dir, name)); err != nil {
			return fmt.Errorf("remove stale link %s: %w", name, err)
		}
	}
	for name := range want {
		link := filepath.Join(w.dir, name)
		if _, err := os.Lstat(link); err == nil {
			continue
		}
		if err := os.Symlink(filepath.Join(dataLink, name), link); err != nil {
			return fmt.Errorf("link %s: %w", name, err)
		}
	}
	return nil
}
