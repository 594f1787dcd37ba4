package buildplan

import (
	"github.com/gohttpdbg/gohttpdbg/goflags"
	"github.com/gohttpdbg/gohttpdbg/modgraph"
)

// markPackages adds the patch marker to the packages whose objects depend
// on the toolexec program, so that the go command's cache keys them apart
// from a plain build's (see goflags.MarkerGcflags): the std packages it
// patches; the runtime's packages, which it compiles optimized whatever
// the flags; the copied modules' packages, whose objects depend on its
// -trimpath mapping, which the go command's keys do not see.
func (b *build) markPackages() error {
	marked := append(append([]string{}, b.plan.StdPatch...), modgraph.RuntimePatterns()...)
	for _, c := range b.copies.Sorted() {
		marked = append(marked, c.Path+"/...")
	}
	b.plan.Flags = append(b.plan.Flags, goflags.MarkerGcflags(b.gc.Values["gcflags"], marked, b.state.PatchID)...)
	return nil
}
