package stdpatch

import (
	"go/ast"
	"os"
	"path/filepath"
	"strings"

	"github.com/dave/dst"
)

// h2Names are the identifiers of one HTTP/2 implementation: the Go 1.26
// bundle inside net/http prefixes every name with "http2"; Go 1.27's
// net/http/internal/http2 and golang.org/x/net/http2 do not.
type h2Names struct {
	p     string // "http2" or ""
	hooks string // expression of the hook set (a GohttpdbgH2HookSet value)
	xnet  bool   // golang.org/x/net/http2: its client and server may delegate to std
}

func (n h2Names) t(name string) string { return n.p + name }

// patchH2 patches one HTTP/2 implementation's Framer, client and server
// (the h2Hooks table). It returns the helper methods' source for the
// package's added file ("" if the Framer type was not found, in which case
// every hook point is missing).
func patchH2(pk *pkgFiles, n h2Names, st *patchState) (string, error) {
	framer := n.t("Framer")
	_, stype, err := pk.structType(framer)
	if err != nil {
		return "", err
	}
	if stype == nil || !pk.hasFields(framer, "errDetail", "wbuf", "w", "r") {
		fr := "(*" + framer + ")."
		st.lose("no HTTP/2 frame is seen", n.t("NewFramer"), fr+"ReadFrameForHeader", fr+"ReadFrame", fr+"endWrite", fr+"readMetaFrame",
			"(*"+n.t("Transport")+").newClientConn", "(*"+n.t("Server")+").serveConn")
		return "", nil
	}
	return applyHooks(pk, h2Hooks, n, st)
}

// clientOwn: the package has its own HTTP/2 client. x/net's on Go 1.27
// delegates to std's unless built with -tags http2legacy: then its client
// code is not in the build, and std's patch sees its frames.
func clientOwn(pk *pkgFiles, n h2Names) bool {
	return !n.xnet || pk.hasDecl(n.t("clientConnReadLoop"))
}

// serverOwn: the package has its own HTTP/2 server's response writer
// (x/net's server on Go 1.27 delegates to std's unless built with -tags
// http2legacy).
func serverOwn(pk *pkgFiles, n h2Names) bool {
	return !n.xnet || pk.hasDecl(n.t("responseWriter"))
}

const streamIDHelper = `
// GohttpdbgStreamID returns the HTTP/2 stream the response is written on:
// the probes find it on the ResponseWriter the server hands its handler.
func (w *{{.P}}responseWriter) GohttpdbgStreamID() uint32 {
	if w == nil || w.rws == nil || w.rws.stream == nil {
		return 0
	}
	return w.rws.stream.id
}
`

// h2RequestHelper: what the server probe asks of each request an HTTP/2
// writer answers, in one call (see stdAnswerType), where the methods it
// stands for each applied.
const h2RequestHelper = `
// GohttpdbgRequest returns what the server probe asks of each request w
// answers, in one call: its connection's slot (GohttpdbgConn), its stream
// (GohttpdbgStreamID) and its header's size (GohttpdbgHeaderSize).
func (w *{{.P}}responseWriter) GohttpdbgRequest() (conn unsafe.Pointer, stream uint32, headerSize int) {
	if w == nil || w.rws == nil {
		return nil, 0, 0
	}
	rws := w.rws
	if rws.conn != nil {
		conn = atomic.LoadPointer(&rws.conn.gohttpdbgConn)
	}
	if rws.stream != nil {
		stream = rws.stream.id
	}
	return conn, stream, int(rws.gohttpdbgHS)
}
`

const clientStreamHelper = `
// GohttpdbgStream returns the connection and the HTTP/2 stream a client
// response came on: the probes find them on the response's Body. entry
// is the connection's word for the probes' entry of it, which its streams
// share: set once, by the first.
func (b {{.P}}transportResponseBody) GohttpdbgStream() (c net.Conn, stream uint32, entry *{{.P}}gohttpdbgPtr) {
	if b.cs == nil || b.cs.cc == nil {
		return nil, 0, nil
	}
	return b.cs.cc.tconn, b.cs.ID, &b.cs.cc.gohttpdbgEntry
}
`

// h2BodyReadHelper reports a Read of a client response body or a server
// request body the probes follow, with the state its call holds.
const h2BodyReadHelper = `
func {{.P}}gohttpdbgBodyRead(s unsafe.Pointer, p []byte, n int, err error) {
	if h := {{.H}}.BodyRead; h != nil {
		if n < 0 || n > len(p) {
			n = 0 // outside io.Reader's contract: reported as read nothing
		}
		h(s, p[:n], err)
	}
}
`

var h2BodyHelper = `
// GohttpdbgSetState makes the probes follow the response body: its reads
// and Close go to the BodyRead and BodyClose hooks with state. The probes
// call it once, after RoundTrip returned and before the program has the
// body. keep is referenced by the stream alone until the body's first
// Close hands it back (BodyClose): an object whose finalizer runs if the
// program drops the body without closing it (the body itself is in a
// cycle, stream -> response -> body, where no finalizer runs).
func (b {{.P}}transportResponseBody) GohttpdbgSetState(state, keep unsafe.Pointer) {
	b.cs.gohttpdbgState, b.cs.gohttpdbgKeep = state, keep
}

// gohttpdbgClose: the first Close alone hands back what the stream kept
// (without an origin Close may be called from two goroutines at once:
// hence the swap, which takes no lock of the connection every stream
// shares).
// With an origin (GohttpdbgSetOrigin) only the first Close reports: from
// then on a Read is reported without the probes' state (gohttpdbgEnter),
// which goes back to them once no call holds it (BodyReleased).
// A Close that no Read overlaps holds the state alone, and hands it back
// with the Close (last: see the HTTP/1 body's gohttpdbgClose).
func (b {{.P}}transportResponseBody) gohttpdbgClose(s unsafe.Pointer) {
	if !b.gohttpdbgFirstClose() {
		return
	}
	// With an origin this Close is the first (gohttpdbgFirstClose) and the
	// only one here: no swap, which is a call (its write barrier).
	var keep unsafe.Pointer
	if b.cs.gohttpdbgOrigin != nil {
		keep, b.cs.gohttpdbgKeep = b.cs.gohttpdbgKeep, nil
	} else {
		keep = atomic.SwapPointer(&b.cs.gohttpdbgKeep, nil)
	}
	last := b.cs.gohttpdbgOrigin != nil && atomic.LoadInt32(&b.cs.gohttpdbgUse)&^2 == 1+4
	if h := {{.H}}.BodyClose; h != nil {
		h(s, keep, last)
	}
	if !last {
		b.gohttpdbgLeave(s)
	}
}

// GohttpdbgSetOrigin names the request of a body the probes follow, for
// a Read after Close (BodyReadAfterClose): origin is never reused. The
// probes call it before GohttpdbgSetState, or never: they then keep their
// state for good. conn, the connection's id, is the same for each of its
// streams: it is kept on the ClientConn (8 bytes less per stream), stored
// only when it changes, so that concurrent streams mostly read it; an
// unknown id (0) does not replace a known one.
func (b {{.P}}transportResponseBody) GohttpdbgSetOrigin(origin unsafe.Pointer, req, conn uint64) {
	b.cs.gohttpdbgOrigin, b.cs.gohttpdbgReq = origin, req
	if c := &b.cs.cc.gohttpdbgConn; conn != 0 && c.Load() != conn {
		c.Store(conn)
	}
}

// GohttpdbgFollow is GohttpdbgSetOrigin then GohttpdbgSetState, in one
// call: the probes' usual one.
func (b {{.P}}transportResponseBody) GohttpdbgFollow(state, keep, origin unsafe.Pointer, req, conn uint64) {
	b.GohttpdbgSetOrigin(origin, req, conn)
	b.GohttpdbgSetState(state, keep)
}

` + bodyUse("b {{.P}}transportResponseBody", "b.cs", "u.cc.gohttpdbgConn.Load()", "{{.H}}")

// ptrHelper declares the type of the pointer fields the patch appends to
// a struct (bodyEOFSignal, clientStream): unsafe.Pointer, named in the
// added file so that the struct's own file needs no new import. Go 1.26's
// net/http holds both HTTP/1's and the bundle's ({{.P}}: "http2").
const ptrHelper = `
type {{.P}}gohttpdbgPtr = unsafe.Pointer
`

// connIDHelper declares the type of ClientConn's connection id, atomic
// (the connection's streams set and read it concurrently) and aligned on
// 32-bit platforms too.
const connIDHelper = `
type {{.P}}gohttpdbgConnID = atomic.Uint64
`

// h2Hooks are the hook points of an HTTP/2 implementation (Go 1.26's
// h2_bundle.go in net/http, Go 1.27's net/http/internal/http2,
// golang.org/x/net/http2), in the order they are applied; then h2debug's.
var h2Hooks = hookSet{
	points: append([]hookPoint{
		{
			// Per-framer state, on the line of the struct's closing brace.
			// interface{}, not any: x/net v0.17 compiles at go1.17.
			kind: appendFields, recv: "{{.P}}Framer", label: "{{.P}}Framer",
			code: tmpl("gohttpdbgState interface{}; "),
		},
		{
			// The state is created with the framer, before any goroutine uses it.
			kind: wrapFunc, fn: "{{.P}}NewFramer", params: []string{"io.Writer", "io.Reader"}, results: [][]string{{"*{{.P}}Framer"}},
			lost: "no HTTP/2 frame is seen",
			code: tmpl("fr := {{.Call}}\nfr.gohttpdbgNew({{index .A 0}}, {{index .A 1}})\nreturn fr"),
		},
		{
			// The raw frame once its payload is read and before it is
			// parsed, so CONTINUATION frames read by readMetaFrame come in
			// wire order and a frame the parser rejects is still seen: before
			// the frame parser's call, in ReadFrameForHeader (Go 1.26, x/net
			// v0.47 on), else in ReadFrame, which read and parsed each frame
			// itself before.
			kind: beforeStmt, recv: "{{.P}}Framer", fn: "ReadFrameForHeader", alt: "ReadFrame",
			lost: "frames read are not seen", find: findFrameParse,
			code: tmpl("{{.R}}.gohttpdbgRead({{.V.fh}}, {{.V.payload}})"),
		},
		{
			// Read errors (a connection error carries ErrorDetail).
			kind: wrapFunc, recv: "{{.P}}Framer", fn: "ReadFrame", results: [][]string{{"{{.P}}Frame", "error"}},
			lost: "frame read errors are not seen",
			code: tmpl("f, err := {{.Call}}\nif err != nil {\n{{.R}}.gohttpdbgReadError(err)\n}\nreturn f, err"),
		},
		{
			// The bytes of the frame just written (or refused).
			kind: wrapFunc, recv: "{{.P}}Framer", fn: "endWrite", results: [][]string{{"error"}},
			lost: "frames written are not seen",
			code: tmpl("err := {{.Call}}\n{{.R}}.gohttpdbgWrote(err)\nreturn err"),
		},
		{
			// The decoded header fields. Before x/net v0.25 it returns
			// *MetaHeadersFrame, since then Frame.
			kind: wrapFunc, recv: "{{.P}}Framer", fn: "readMetaFrame", needs: []string{"{{.P}}MetaHeadersFrame{Fields,Truncated}"},
			params:  []string{"*{{.P}}HeadersFrame"},
			results: [][]string{{"{{.P}}Frame", "error"}, {"*{{.P}}MetaHeadersFrame", "error"}},
			lost:    "decoded headers are not seen",
			code:    tmpl("f, err := {{.Call}}\n{{.R}}.gohttpdbgHeaders({{index .A 0}}, f, err)\nreturn f, err"),
		},
		{
			// The client's framer tied to its net.Conn where it is created.
			kind: afterStmt, recv: "{{.P}}Transport", fn: "newClientConn", when: clientOwn,
			lost: "client frames name no connection or side", find: findNewFramer,
			code: tmpl("{{.V.lhs}}.gohttpdbgBind({{.V.conn}}, true)"),
		},
		{
			kind: wrapFunc, recv: "{{.P}}clientConnReadLoop", fn: "cleanup", when: clientOwn,
			needs: []string{"{{.P}}clientConnReadLoop{cc}", "{{.P}}ClientConn{fr}"},
			lost:  "the end of a client connection is not seen",
			code:  tmpl("defer {{.R}}.cc.fr.gohttpdbgDone()\n{{.Call}}"),
		},
		{
			// The server's framer, made in serveConn (before x/net v0.26 in
			// ServeConn, which serveConn did not exist to wrap); serveConn
			// runs for the life of the connection, so its end is deferred
			// there when the framer is made at its top level.
			kind: afterStmt, recv: "{{.P}}Server", fn: "serveConn", alt: "ServeConn",
			lost: "server frames name no side and a connection's end is not seen", find: findNewFramer,
			code: tmpl("{{.V.lhs}}.gohttpdbgBind({{.V.conn}}, false){{if .Top}}; defer {{.V.lhs}}.gohttpdbgDone(){{end}}"),
		},
		{
			// What the helper GohttpdbgStreamID reads: the stream a server
			// response is written on, for the probes' exchange records.
			kind: declsOnly, label: "{{.P}}responseWriter", when: serverOwn,
			needs: []string{"{{.P}}responseWriter{rws}", "{{.P}}responseWriterState{stream}", "{{.P}}stream{id}"},
			lost:  "server exchanges carry no HTTP/2 stream id",
		},
		{
			// What the helper GohttpdbgStream reads: a client response's
			// connection and stream, for the probes' exchange records.
			kind: declsOnly, label: "{{.P}}transportResponseBody", when: clientOwn,
			needs: []string{"{{.P}}transportResponseBody{cs}", "{{.P}}clientStream{ID,cc}", "{{.P}}ClientConn{tconn}"},
			lost:  "client exchanges carry no HTTP/2 connection or stream id",
		},
		{
			// The probes' entry of the connection (GohttpdbgStream's), set
			// by its first response: the next ones find it here, not by
			// looking the net.Conn up. Per connection, not per stream.
			kind: appendFields, recv: "{{.P}}ClientConn", label: "{{.P}}ClientConn entry", group: "{{.P}}transportResponseBody", when: clientOwn,
			lost: "client exchanges carry no HTTP/2 connection or stream id",
			code: tmpl("gohttpdbgEntry {{.P}}gohttpdbgPtr; "),
		},
		{
			// The probes' state of a client response body (GohttpdbgSetState):
			// with the points below, resp.Body stays the HTTP/2
			// transport's own and is followed without a wrapper.
			// Every stream of the client pays for these fields, probes on or
			// off: pointers, not interfaces (the probes know what they
			// stored), and the use count in the padding after ID, keep
			// clientStream in the size class it has without the patch where
			// it can (TestPatchedSizes).
			kind: appendFields, recv: "{{.P}}clientStream", label: "{{.P}}clientStream", when: clientOwn,
			lost: "client response bodies are followed through a wrapper",
			code: tmpl("gohttpdbgState, gohttpdbgKeep, gohttpdbgOrigin {{.P}}gohttpdbgPtr; gohttpdbgReq uint64; "),
		},
		{
			// The connection's id a Read after Close reports
			// (GohttpdbgSetOrigin): per connection, not per stream, so
			// that clientStream fits the size class below the one it
			// would take with it (Go 1.26: 416, not 448).
			kind: appendFields, recv: "{{.P}}ClientConn", label: "{{.P}}ClientConn conn", group: "{{.P}}clientStream", when: clientOwn,
			needs: []string{"{{.P}}ClientConn{mu}"}, lost: "client response bodies are followed through a wrapper",
			code: tmpl("gohttpdbgConn {{.P}}gohttpdbgConnID; "),
		},
		{
			kind: appendFields, recv: "{{.P}}clientStream", label: "{{.P}}clientStream use", field: "ID", when: clientOwn,
			requires: "{{.P}}clientStream", lost: "client response bodies are followed through a wrapper",
			code: tmpl("gohttpdbgUse int32; "),
		},
		{
			// Each read of a response body: bytes, EOF, read after Close.
			// gohttpdbgBodyRead is written out, as in HTTP/1's: a call of
			// its own costs a cold cache line on every read.
			kind: wrapFunc, recv: "{{.P}}transportResponseBody", value: true, fn: "Read", when: clientOwn,
			params: []string{"[]byte"}, results: [][]string{{"int", "error"}}, needs: []string{"{{.P}}transportResponseBody{cs}"},
			requires: "{{.P}}clientStream", group: "h2body", lost: "client response bodies are followed through a wrapper",
			code: tmpl(`s, rac := {{.R}}.gohttpdbgEnter()
n, err := {{.Call}}
if s != nil {
if h := {{.H}}.BodyRead; h != nil {
if uint(n) > uint(len({{index .A 0}})) {
h(s, nil, err)
} else {
h(s, {{index .A 0}}[:n], err)
}
}
if {{.R}}.gohttpdbgLeft() {
{{.R}}.gohttpdbgRelease(s)
}
} else if rac {
{{.R}}.gohttpdbgReadAfterClose()
}
return n, err`),
		},
		{
			// Close, before the transport's.
			kind: wrapFunc, recv: "{{.P}}transportResponseBody", value: true, fn: "Close", when: clientOwn,
			results: [][]string{{"error"}}, needs: []string{"{{.P}}transportResponseBody{cs}"},
			requires: "{{.P}}clientStream", group: "h2body", lost: "client response bodies are followed through a wrapper",
			code: tmpl("if s := {{.R}}.cs.gohttpdbgState; s != nil {\n{{.R}}.gohttpdbgClose(s)\n}\nreturn {{.Call}}"),
		},
	}, append(append(append(append(append(append([]hookPoint{}, hdrSizeH2ReqHooks...), h2EventHooks...), answerH2Hooks...), srvBodyH2Hooks...), append(append(hdrSizeH2Hooks, hdrSizeH2ClientHooks...), h2ConnStateHooks...)...), h2DebugHooks...)...),
	helpers: []helper{
		{code: tmpl(clientStreamHelper), after: []string{"{{.P}}transportResponseBody"}},
		{code: tmpl(h2BodyHelper), after: []string{"h2body"}},
		{code: tmpl(h2BodyReadHelper), after: []string{"h2body", "h2srvbody"}, anyOf: true},
		{code: tmpl(ptrHelper)},
		{code: tmpl(connIDHelper), after: []string{"{{.P}}clientStream"}},
		{code: tmpl(h2EventsHelper), after: []string{"{{.P}}clientStream events"}},
		{code: tmpl(h2EventsHookedHelper), after: []string{"{{.P}}clientStream state"}},
		{code: tmpl(srvBodyH2Helper), after: []string{"h2srvbody"}},
		{code: tmpl(srvBodyAnswerH2Helper), after: []string{"h2srvbody", "answer"}},
		{code: tmpl(h2Helpers + h2DebugRedact)},
		{code: tmpl(streamIDHelper), after: []string{"{{.P}}responseWriter"}},
		{code: tmpl(answerH2Helper), after: []string{"answer"}},
		{code: tmpl(hdrSizeH2Helper), after: []string{"h2hdrsize", "(*{{.P}}serverConn).newWriterAndRequest"}},
		{code: tmpl(hdrSizeH2ClientHelper), after: []string{"h2hdrsize", "(*{{.P}}clientConnReadLoop).handleResponse", "{{.P}}clientStream header size"}},
		{code: tmpl(hdrSizeH2CountHelper), after: []string{"h2reqhs"}},
		{code: tmpl(h2DebugTakeover), after: []string{"takeover"}},
		{code: tmpl(h2ConnStateHelper), after: []string{"h2connstate"}},
		{code: tmpl(h2RequestHelper), after: []string{"h2connstate", "{{.P}}responseWriter", "h2hdrsize", "(*{{.P}}serverConn).newWriterAndRequest"}},
	},
}

// findFrameParse finds "… := typeFrameParser(…)(fr.frameCache, fh, fr.countError, payload)"
// and names its frame header and payload.
func findFrameParse(f *srcFile, fd *dst.FuncDecl, sig signature, d *hookData) (dst.Stmt, *ast.CallExpr, bool) {
	var fh, payload dst.Expr
	parser := d.P + "typeFrameParser"
	stmt, _ := findStmt(fd, func(s dst.Stmt) bool {
		as, ok := s.(*dst.AssignStmt)
		if !ok || len(as.Rhs) != 1 {
			return false
		}
		_, outer := callOf(as.Rhs[0])
		if outer == nil || len(outer.Args) != 4 {
			return false
		}
		if name, _ := callOf(outer.Fun); name != parser {
			return false
		}
		fh, payload = outer.Args[1], outer.Args[3]
		return true
	})
	if stmt == nil || sig.recvName == "" {
		return nil, nil, false
	}
	d.V["fh"], d.V["payload"] = f.exprText(fh), f.exprText(payload)
	return stmt, nil, true
}

// findNewFramer finds the statement that creates the connection's framer
// ("cc.fr = NewFramer(…)") and the function's net.Conn parameter.
func findNewFramer(f *srcFile, fd *dst.FuncDecl, sig signature, d *hookData) (dst.Stmt, *ast.CallExpr, bool) {
	conn := ""
	for _, p := range sig.params {
		if p.typ == "net.Conn" && p.name != "" && p.name != "_" {
			conn = p.name
			break
		}
	}
	stmt, top := findStmt(fd, assignFromCall(d.P+"NewFramer"))
	if stmt == nil && d.xnet {
		return nil, nil, true // x/net's wrapper over std's HTTP/2 (Go 1.27): std's patch sees its frames
	}
	if stmt == nil || conn == "" {
		return nil, nil, false
	}
	d.V["lhs"], d.V["conn"], d.Top = f.exprText(stmt.(*dst.AssignStmt).Lhs[0]), conn, top
	return stmt, nil, true
}

// h2Helpers are the methods the trampolines call, added to the package with
// the Framer. They read the hook set each time (a nil hook costs one load).
const h2Helpers = `
func (fr *{{.P}}Framer) gohttpdbgNew(w io.Writer, r io.Reader) {
	if w == nil {
		return // Go's own decoder of just-written frames (http2debug=2)
	}
	if h := {{.H}}.Framer; h != nil {
		fr.gohttpdbgState = h(r)
	}
}

func (fr *{{.P}}Framer) gohttpdbgBind(c net.Conn, client bool) {
	if s := fr.gohttpdbgState; s != nil {
		if h := {{.H}}.Bind; h != nil {
			h(s, c, client)
		}
	}
}

func (fr *{{.P}}Framer) gohttpdbgDone() {
	if fr == nil {
		return
	}
	if s := fr.gohttpdbgState; s != nil {
		if h := {{.H}}.Done; h != nil {
			h(s)
		}
	}
}

func (fr *{{.P}}Framer) gohttpdbgRead(fh {{.P}}FrameHeader, payload []byte) {
	s := fr.gohttpdbgState
	if s == nil {
		return
	}
	if h := {{.H}}.Read; h != nil {
		h(s, fh.Length, uint8(fh.Type), uint8(fh.Flags), fh.StreamID, payload)
	}
}

func (fr *{{.P}}Framer) gohttpdbgReadError(err error) {
	if s := fr.gohttpdbgState; s != nil {
		if h := {{.H}}.ReadError; h != nil {
			h(s, err, fr.errDetail)
		}
	}
}

func (fr *{{.P}}Framer) gohttpdbgWrote(err error) {
	if s := fr.gohttpdbgState; s != nil {
		if h := {{.H}}.Write; h != nil {
			h(s, fr.wbuf, err)
		}
	}
}

func (fr *{{.P}}Framer) gohttpdbgHeaders(hf *{{.P}}HeadersFrame, f {{.P}}Frame, err error) {
	s := fr.gohttpdbgState
	if s == nil || hf == nil {
		return
	}
	h := {{.H}}.Headers
	if h == nil {
		return
	}
	mh, _ := f.(*{{.P}}MetaHeadersFrame)
	truncated := mh != nil && mh.Truncated
	if err == nil && !truncated {
		if w := {{.H}}.HeaderFields; w != nil && !w(s) {
			return // a block that decoded whole, and nobody shows its fields
		}
	}
	// hpack's fields as they are: the conversion fails to build if
	// HeaderField's fields ever differ from the hook's.
	var fields []struct {
		Name, Value string
		Sensitive   bool
	}
	if mh != nil && len(mh.Fields) > 0 {
		f := &mh.Fields[0]
		_ = struct {
			Name, Value string
			Sensitive   bool
		}(*f)
		fields = unsafe.Slice((*struct {
			Name, Value string
			Sensitive   bool
		})(unsafe.Pointer(f)), len(mh.Fields))
	}
	h(s, hf.StreamID, fields, truncated, err)
}
`

// h2DebugTakeover tells the frame probe the level GODEBUG=http2debug set
// for Go's own logging, which stays on (its values redacted, see
// h2DebugRedact), so that switching http2debug at run time adds only what
// Go does not already print. It runs after the package's own init (added
// files come last).
const h2DebugTakeover = `
func init() {
	level := 0
	if {{.P}}VerboseLogs {
		level = 1
	}
	if {{.P}}logFrameReads || {{.P}}logFrameWrites {
		level = 2
	}
	if level > {{.H}}.HTTP2Debug {
		{{.H}}.HTTP2Debug = level
	}
}
`

// h2HookSet declares the HTTP/2 hook set type; .N is its name.
const h2HookSet = `
// {{.N}} holds the HTTP/2 hooks of gohttpdbg's std patch. Each is nil unless
// an instrumented program's runtime installed it (at init, before any
// connection); the patched code calls it with raw, std-typed data.
type {{.N}} struct {
	// Framer is called for each new Framer that writes frames (not Go's own
	// http2debug decoder); r is what it reads frames from. The result is the
	// per-framer state handed to the other hooks; nil disables them for it.
	Framer func(r io.Reader) any
	// Bind ties a framer to its connection, on the client or server side.
	Bind func(state any, conn net.Conn, client bool)
	// Done reports that the connection's read loop or serve loop ended.
	Done func(state any)
	// Read receives each frame read, before its payload is parsed: the
	// header's fields as the Framer read them (length, type, flags, stream
	// id with the reserved bit cleared) and the payload (only valid during
	// the call). The fields, not the 9 header bytes: the Framer has already
	// decoded them, and they pass in registers.
	Read func(state any, length uint32, typ, flags uint8, streamID uint32, payload []byte)
	// ReadError receives a ReadFrame error and the Framer's ErrorDetail.
	ReadError func(state any, err error, detail error)
	// Write receives each frame written (header and payload, only valid
	// during the call) and the write's error.
	Write func(state any, frame []byte, err error)
	// Headers receives the decoded fields of a HEADERS block read: hpack's
	// HeaderFields themselves, no copy (only valid during the call),
	// unredacted. Unnamed, so that the runtime's func needs no hpack.
	Headers func(state any, streamID uint32, fields []struct {
		Name, Value string
		Sensitive   bool
	}, truncated bool, err error)
	// HeaderFields reports whether Headers wants a block that decoded
	// whole (no error, not truncated); if not, Headers is not called for
	// it. nil: it always does.
	HeaderFields func(state any) bool
	// BodyRead receives each Read of a client response body the probes
	// follow (its GohttpdbgSetState method): the bytes read (only valid
	// during the call) and the error.
	BodyRead func(state unsafe.Pointer, p []byte, err error)
	// BodyClose runs on each Close of such a body, before the transport's,
	// with what GohttpdbgSetState asked it to keep (the first Close only;
	// nil on the others). last: as the HTTP/1 hook's.
	BodyClose func(state, keep unsafe.Pointer, last bool)
	// BodyReleased: a body the probes follow, its origin set
	// (GohttpdbgSetOrigin), was closed and no call holds state any more;
	// the body never passes it to the probes again.
	BodyReleased func(state unsafe.Pointer)
	// BodyReadAfterClose receives the first Read after Close of such a
	// body, with what GohttpdbgSetOrigin set.
	BodyReadAfterClose func(origin unsafe.Pointer, req, conn uint64)
	// ClientState returns the probes' state of a client request (req: the
	// *http.Request net/http handed to HTTP/2, see the HTTP/1 hook set's
	// AltEnter) for the client event hooks below, nil when they do not
	// follow it. It runs when the request asks for a connection, gets one,
	// and when its stream is made.
	ClientState func(req any) unsafe.Pointer
	// ClientStream is ClientState for a stream made for req: the state it
	// returns gets the stream's events, the last of them ClientWrote (or
	// none, if the stream ends before its request is written). The state
	// begins with a []string, to which the stream appends each header
	// field as the encoder writes it (WroteHeaderField's, name then one
	// value) before ClientWroteHeaders, when it is not nil: the patch's
	// own append, where a hook's call a field cost twice the fields' copy.
	ClientStream func(req any) unsafe.Pointer
	// ClientGetConn, ClientGotConn, ClientWroteHeaders, ClientWrote and
	// ClientFirstByte receive, with ClientState's state, what httptrace's
	// GetConn, GotConn, WroteHeaders, WroteRequest and
	// GotFirstResponseByte would.
	ClientGetConn      func(state unsafe.Pointer)
	ClientGotConn      func(state unsafe.Pointer, info httptrace.GotConnInfo)
	ClientWroteHeaders func(state unsafe.Pointer)
	ClientWrote        func(state unsafe.Pointer)
	ClientFirstByte    func(state unsafe.Pointer)
	// ClientEventsHooked is set when an HTTP/2 client of the program calls
	// the hooks above.
	ClientEventsHooked bool
	// BodyAnswered runs when a handler answers (its response header is
	// written) while its request body is followed (GohttpdbgWatchBody),
	// on the goroutine that answered, with the body's state.
	BodyAnswered func(state unsafe.Pointer)
	// Answered receives the answer of a response the probes watch
	// (GohttpdbgWatch) when its header is written, once, on the goroutine
	// that wrote it: their state, the status and the handler's header map
	// as written (nil if the handler never asked for one).
	Answered func(state unsafe.Pointer, status int, header map[string][]string)
	// Sent runs when the header of a response the probes watch leaves for
	// the client while they watch it (the handler wrote more than the
	// writer buffers, or flushed), after Answered, on the goroutine that
	// sent it, with their state. A header sent when the handler returned
	// (GohttpdbgUnwatch came first) is not reported.
	Sent func(state unsafe.Pointer)
	// ServerConnState runs for each state change an HTTP/2 server
	// connection reports itself (StateActive, StateIdle; net/http reports
	// StateNew and StateClosed), in place of its call of the server's
	// ConnState: srv is the server (a *http.Server, or on Go 1.27 the
	// ServerConfig net/http hands its HTTP/2 server, whose method
	// GohttpdbgServer returns it), slot a word the connection keeps for the
	// probes (nil at first), state the http.ConnState. It returns whether it
	// called the server's ConnState; if not, the server calls it.
	ServerConnState func(srv any, slot *unsafe.Pointer, nc net.Conn, state int) bool
	// ServerConnStateOn, which the probes keep set while one that follows
	// a connection is on, gates ServerConnState for a connection whose
	// slot is still nil: one atomic load, no call, per state change while
	// it is not set. A connection whose slot the hook set calls it
	// whatever the word says: the probes keep following it when they are
	// switched off and on again.
	ServerConnStateOn atomic.Bool
	// HTTP2Debug is the level GODEBUG=http2debug asked for at start: Go's
	// own logging, left on, prints at that level.
	HTTP2Debug int
	// DebugRedact returns what Go's http2debug lines show for a header
	// field's value (name is the field's name) or, for name "DATA" (no
	// field is called that: HTTP/2 field names are lower case), for a DATA
	// frame's payload. nil: shown as Go shows them.
	DebugRedact func(name, value string) string
}
`

// xnetModule names the golang.org/x/net module a file of its http2 package
// comes from, for the build's warnings: the module cache's directory names
// the version ("golang.org/x/net@v0.27.0"), a vendor directory's
// modules.txt says it; otherwise (a replace by a directory) the directory.
func xnetModule(file string) string {
	const mod = "golang.org/x/net"
	p := filepath.ToSlash(file)
	if i := strings.Index(p, "/"+mod+"@"); i >= 0 {
		v, _, _ := strings.Cut(p[i+len(mod)+2:], "/")
		return mod + " " + v
	}
	if i := strings.LastIndex(p, "/vendor/"+mod+"/"); i >= 0 {
		if b, err := os.ReadFile(filepath.FromSlash(p[:i] + "/vendor/modules.txt")); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if f := strings.Fields(line); len(f) >= 3 && f[0] == "#" && f[1] == mod {
					return mod + " " + f[2] + " (vendored)"
				}
			}
		}
		return mod + " (vendored)"
	}
	dir := filepath.Dir(filepath.Dir(file))
	return mod + " (" + dir + ")"
}
