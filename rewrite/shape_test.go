package rewrite

import (
	"testing"

	"github.com/gohttpdbg/gohttpdbg/rewrite/callsite"
)

// Every shape callsite can put in an Edit has its builder here, and no
// builder is left for a shape callsite no longer has.
func TestEveryShapeBuilt(t *testing.T) {
	t.Parallel()
	for _, s := range callsite.Shapes {
		if shapeBuilders[s] == nil {
			t.Errorf("shape %q has no builder in shapeBuilders", s)
		}
	}
	if len(shapeBuilders) != len(callsite.Shapes) {
		t.Errorf("%d builders for %d shapes", len(shapeBuilders), len(callsite.Shapes))
	}
}
