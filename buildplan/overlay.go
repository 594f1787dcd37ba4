package buildplan

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gohttpdbg/gohttpdbg/internal/buildcache"
)

// writeOverlay merges the user's -overlay into gohttpdbg's and writes the
// overlay file the go command reads (-overlay).
func (b *build) writeOverlay() error {
	if user := b.gc.Last("overlay"); user != "" {
		if err := mergeUserOverlay(b.overlay, absFrom(b.dir, user)); err != nil {
			return err
		}
	}
	ovJSON, err := json.MarshalIndent(struct{ Replace map[string]string }{b.overlay}, "", "\t")
	if err != nil {
		return err
	}
	ovPath, err := buildcache.WriteAddressed(filepath.Join(b.cache, "overlay"), "overlay.json", ovJSON)
	if err != nil {
		return err
	}
	b.plan.Flags = append(b.plan.Flags, "-overlay="+ovPath)
	return nil
}

// mergeUserOverlay adds the Replace map of the user's -overlay file at
// path to overlay, refusing a file that gohttpdbg replaces too.
func mergeUserOverlay(overlay map[string]string, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var user struct{ Replace map[string]string }
	if err := json.Unmarshal(data, &user); err != nil {
		return fmt.Errorf("-overlay %s: %v", path, err)
	}
	base := filepath.Dir(path)
	for k, v := range user.Replace {
		k = absFrom(base, k)
		if v != "" {
			v = absFrom(base, v)
		}
		if _, ours := overlay[k]; ours {
			return fmt.Errorf("-overlay %s replaces %s, which gohttpdbg rewrites too; drop it from the overlay or build without gohttpdbg", path, k)
		}
		overlay[k] = v
	}
	return nil
}
