package buildplan

import (
	"github.com/gohttpdbg/gohttpdbg/goflags"
	"github.com/gohttpdbg/gohttpdbg/toolexec"
)

// writeToolexec writes the state of the toolexec program (package
// toolexec) and the script the go command runs (-toolexec).
func (b *build) writeToolexec() error {
	st := &toolexec.State{
		Exe:       b.opt.Exe,
		GoVersion: b.ge.GOVERSION,
		Overlay:   b.overlay,
		Edits:     b.edits,
		StdPatch:  b.plan.StdPatch,
		PatchID:   b.patchID,
	}
	b.needs = []string{b.rtDir}
	for _, c := range b.copies.Sorted() {
		if st.Copies == nil {
			st.Copies = map[string]string{}
		}
		st.Copies[c.Dir] = c.Orig
		b.needs = append(b.needs, c.Dir)
	}
	if b.opt.StdSelfTest {
		st.PatchID += toolexec.SelfTestSuffix
	}
	if te := b.gc.Last("toolexec"); te != "" {
		st.UserToolexec = goflags.SplitQuoted(te)
	}
	script, state, err := toolexec.Install(b.cache, st)
	if err != nil {
		return err
	}
	b.state = st
	b.needs = append(b.needs, state)
	b.plan.Flags = append(b.plan.Flags, "-toolexec="+script)
	return nil
}
