package probes

import (
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// A request that no rewritten call site named (one made inside a library,
// a server started by a framework) is attributed to the source line that
// led to it: the first frame, from the top of its stack, in a main module
// of the build (site), and the library frame that called net/http (via).
// The stack is captured as PCs (runtime.Callers, no allocation) and
// resolved once per distinct stack: the answer is cached by the PCs.

// moduleRoot is a main module of the build: its path and its directory on
// the build machine.
type moduleRoot struct{ path, dir string }

var (
	mainModules atomic.Pointer[[]moduleRoot]
	modCacheDir atomic.Pointer[string]
)

// SetBuildModules records the build's main modules, "path=dir" items
// separated by ';', and the module cache directory, so that stack frames
// can be told apart and named as call sites are (docs/DESIGN.md §4: a main
// module's file relative to its root, a dependency's as
// module@version/path). The generated build file of an instrumented build
// calls it.
func SetBuildModules(spec, modCache string) {
	var mods []moduleRoot
	for _, item := range strings.Split(spec, ";") {
		if p, d, ok := strings.Cut(item, "="); ok && p != "" && d != "" {
			mods = append(mods, moduleRoot{p, strings.TrimSuffix(d, "/")})
		}
	}
	mainModules.Store(&mods)
	modCache = strings.TrimSuffix(modCache, "/")
	modCacheDir.Store(&modCache)
	stackSites.Range(func(k, _ any) bool { stackSites.Delete(k); return true })
}

// CallSite is a resolved attribution; values are shared and never change.
type CallSite struct {
	Site string // the line in a main module that led to the request
	Via  string // the library frame that called net/http, "" when none
}

var (
	internedSites sync.Map // CallSite → *CallSite
	lastInterned  atomic.Pointer[CallSite]
)

// InternSite returns the one *CallSite of site and via, made on first
// use and never changed: what keeps a request's site beyond the request
// (a client call site's mark, a host's latest request, the origin a
// response body keeps for a Read after Close) shares it, and allocates
// nothing per request. The latest answer is checked first: a program
// sends most of its requests from few sites.
func InternSite(site, via string) *CallSite {
	if p := lastInterned.Load(); p != nil && p.Site == site && p.Via == via {
		return p
	}
	k := CallSite{site, via}
	v, ok := internedSites.Load(k)
	if !ok {
		v, _ = internedSites.LoadOrStore(k, &k)
	}
	p := v.(*CallSite)
	lastInterned.Store(p)
	return p
}

// StackDepth is the number of frames a site is looked for in.
const StackDepth = 48

// stackKey identifies a captured stack: its PCs, hashed, and compared
// whole on a hit.
type stackEntry struct {
	pcs []uintptr
	si  CallSite
}

var (
	stackSites   sync.Map // uint64 hash of the PCs → *stackEntry
	stackSitesN  atomic.Int32
	maxStackKeys = int32(4096)
)

// CallerSite returns the site and via of the calling goroutine's stack,
// skipping skip frames (0 is CallerSite's caller).
func CallerSite(skip int) CallSite {
	var pcs [StackDepth]uintptr
	n := runtime.Callers(skip+2, pcs[:])
	return StackSite(pcs[:n])
}

// StackSite resolves pcs, through the cache.
func StackSite(pcs []uintptr) CallSite {
	h := uint64(14695981039346656037)
	for _, pc := range pcs {
		h ^= uint64(pc)
		h *= 1099511628211
	}
	if v, ok := stackSites.Load(h); ok {
		if e := v.(*stackEntry); equalPCs(e.pcs, pcs) {
			return e.si
		}
	}
	// A copy: pcs is the caller's stack array, and must not escape (the
	// frames iterator and the cache keep theirs).
	own := append([]uintptr(nil), pcs...)
	si := resolveStack(own)
	if stackSitesN.Load() < maxStackKeys {
		if _, dup := stackSites.LoadOrStore(h, &stackEntry{pcs: own, si: si}); !dup {
			stackSitesN.Add(1)
		}
	}
	return si
}

func equalPCs(a, b []uintptr) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// resolveStack walks the frames from the top: the standard library and
// gohttpdbg's runtime are passed over; the first other frame is the one
// that called into them (via, unless it is in a main module); the first
// frame in a main module is the site. A stack with no main-module frame
// (a goroutine a library started) is attributed to the library frame.
func resolveStack(pcs []uintptr) CallSite {
	var si CallSite
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		if f.Function != "" && !skippedFrame(f.Function) {
			pos := f.File + ":" + strconv.Itoa(f.Line)
			if rel, ok := mainModuleFile(f.File); ok {
				si.Site = rel + ":" + strconv.Itoa(f.Line)
				return si
			}
			if si.Via == "" {
				si.Via = depFile(f.File) + pos[len(f.File):]
			}
		}
		if !more {
			break
		}
	}
	si.Site, si.Via = si.Via, ""
	return si
}

// skippedFrame: the standard library (a package path whose first element
// has no dot, except main) and gohttpdbg's runtime.
func skippedFrame(fn string) bool {
	pkg := funcPackage(fn)
	if strings.HasPrefix(pkg, "github.com/gohttpdbg/gohttpdbg/probes") || strings.HasPrefix(pkg, "github.com/gohttpdbg/gohttpdbg/runtimehooks") {
		return true
	}
	first, _, _ := strings.Cut(pkg, "/")
	return !strings.Contains(first, ".") && pkg != "main" && !isMainModulePkg(pkg)
}

// funcPackage returns the package path of a function name as runtime
// reports it ("net/http.(*Client).do" → "net/http").
func funcPackage(fn string) string {
	slash := strings.LastIndexByte(fn, '/')
	dot := strings.IndexByte(fn[slash+1:], '.')
	if dot < 0 {
		return fn
	}
	return fn[:slash+1+dot]
}

// isMainModulePkg: a main module whose path has no dot ("example",
// "m") must not be taken for the standard library.
func isMainModulePkg(pkg string) bool {
	if p := mainModules.Load(); p != nil {
		for _, m := range *p {
			if pkg == m.path || strings.HasPrefix(pkg, m.path+"/") {
				return true
			}
		}
	}
	return false
}

// mainModuleFile returns file relative to the root of the main module it
// belongs to (by directory, or by module path under -trimpath).
func mainModuleFile(file string) (string, bool) {
	p := mainModules.Load()
	if p == nil {
		return "", false
	}
	for _, m := range *p {
		if strings.HasPrefix(file, m.dir+"/") {
			return file[len(m.dir)+1:], true
		}
	}
	for _, m := range *p {
		if rest, ok := strings.CutPrefix(file, m.path+"/"); ok && !strings.HasPrefix(rest, "@") && !strings.Contains(m.path, "@") {
			return rest, true
		}
	}
	return "", false
}

// depFile names a dependency's file as module@version/path: the module
// cache prefix is dropped (under -trimpath it is already gone).
func depFile(file string) string {
	if p := modCacheDir.Load(); p != nil && *p != "" {
		if rest, ok := strings.CutPrefix(file, *p+"/"); ok {
			return rest
		}
	}
	// A directory outside the module cache (a replace target): its last
	// two elements, never the build machine's absolute path.
	if i := strings.LastIndexByte(file, '/'); i > 0 {
		if j := strings.LastIndexByte(file[:i], '/'); j >= 0 {
			return file[j+1:]
		}
	}
	return file
}

// A site (or via) that a record of the journal keeps is kept as an id,
// which SiteID gives and SiteName turns back: a record holds no pointer
// (see jslot). The names are a program's source lines, few; the table
// still stops at maxSiteIDs, after which SiteID answers 0 and the record
// keeps the text.
const maxSiteIDs = 1 << 16

// siteEntry is a name and its id; one per id, never changed.
type siteEntry struct {
	name string
	id   uint32
}

var (
	siteIDs   sync.Map                     // name → *siteEntry
	siteIDsMu sync.Mutex                   // held to add a name
	siteNames atomic.Pointer[[]*siteEntry] // id i is (*siteNames)[i-1]; appended under siteIDsMu
	// siteIDCache maps the address of a name's bytes to its entry: the
	// sites a request passes are the same strings each time (a call
	// site's constant, an interned stack's), so that the usual lookup is
	// a load and a comparison of pointers. The entry's name is the table's
	// own string, which never goes away: the same address and length are
	// the same bytes.
	siteIDCache [256]atomic.Pointer[siteEntry]
)

// SiteID returns the id of site name s, 0 for "" or when the table is
// full.
func SiteID(s string) uint32 {
	if id := cachedSiteID(s); id != 0 {
		return id
	}
	return siteIDSlow(s)
}

// cachedSiteID is SiteID for a name its cache has (the usual case), else
// 0: the journal's writers inline it, and call what looks further only
// when it misses.
func cachedSiteID(s string) uint32 {
	if e := siteIDCache[siteSlot(s)].Load(); e != nil && unsafe.StringData(e.name) == unsafe.StringData(s) && len(e.name) == len(s) {
		return e.id
	}
	return 0
}

// siteSlot is s's entry in siteIDCache, by the address of its bytes.
func siteSlot(s string) uint8 { return uint8(uintptr(unsafe.Pointer(unsafe.StringData(s))) >> 3) }

// siteIDSlow looks s up in the table, adding it if it is new.
func siteIDSlow(s string) uint32 {
	if s == "" {
		return 0
	}
	if v, ok := siteIDs.Load(s); ok {
		e := v.(*siteEntry)
		if unsafe.StringData(e.name) == unsafe.StringData(s) { // the slot held another name
			siteIDCache[siteSlot(s)].Store(e)
		}
		return e.id
	}
	siteIDsMu.Lock()
	defer siteIDsMu.Unlock()
	if v, ok := siteIDs.Load(s); ok {
		return v.(*siteEntry).id
	}
	var names []*siteEntry
	if p := siteNames.Load(); p != nil {
		names = *p
	}
	if len(names) >= maxSiteIDs-1 {
		return 0
	}
	e := &siteEntry{name: s, id: uint32(len(names) + 1)}
	names = append(names, e)
	siteNames.Store(&names)
	siteIDs.Store(s, e)
	siteIDCache[siteSlot(s)].Store(e)
	return e.id
}

// SiteName returns the name of site id (SiteID), "" for 0.
func SiteName(id uint32) string {
	if p := siteNames.Load(); p != nil && id != 0 && int(id) <= len(*p) {
		return (*p)[id-1].name
	}
	return ""
}
