package stdpatch

import (
	"go/ast"
	"go/token"
	"strings"

	"github.com/dave/dst"
)

// The header-size hooks hand the probes the bytes an HTTP/1 request's
// line and header (server) or a response's status line and header
// (client) took on the wire, as net/http read them: from the start of the
// message to the blank line included (HAR's headersSize). net/http
// already counts down what it may still read for the header (the
// server's connReader.remain, the client's persistConn.readLimit); what
// its bufio.Reader holds read ahead is Buffered. The difference of their
// sum before and after the read is the header's bytes, so that the
// probes need not walk the header map (whose iteration draws a random
// start, and costs several hundred instructions a request).

// hdrSizeH1Hooks are the HTTP/1 server's; they go before the wrap of
// (*conn).readRequest, which renames the function.
var hdrSizeH1Hooks = []hookPoint{
	{
		// Per connection, not per request: the server reads its next
		// request only once the handler of this one returned, and the
		// probes read the size as the handler starts.
		kind: appendFields, recv: "conn", label: "conn size", group: "hdrsize",
		needs: []string{"conn{r,bufr}", "connReader{remain,hasByte}"},
		lost:  "a served request's header size is summed from its header map",
		code:  tmpl("gohttpdbgHS int64; "),
	},
	{
		// After the read limit is set and the leading CRLFs net/http
		// tolerates after a POST are discarded: they are not part of
		// the message.
		kind: beforeStmt, recv: "conn", fn: "readRequest", label: "(*conn).readRequest header start", requires: "hdrsize", group: "hdrsize",
		find: findReadRequestCall,
		lost: "a served request's header size is summed from its header map",
		code: tmpl("{{.R}}.gohttpdbgHS = {{.R}}.r.gohttpdbgAvail({{.R}}.bufr)"),
	},
	{
		// The request is read, before the limit goes.
		kind: beforeStmt, recv: "conn", fn: "readRequest", label: "(*conn).readRequest header end", requires: "hdrsize", group: "hdrsize",
		find: findInfiniteReadLimit,
		lost: "a served request's header size is summed from its header map",
		code: tmpl("{{.R}}.gohttpdbgHS -= {{.R}}.r.gohttpdbgAvail({{.R}}.bufr)"),
	},
}

const hdrSizeH1Helper = `
// gohttpdbgAvail returns the bytes of the request the server may still
// consume: what it may read from the connection (remain), what its
// reader holds read ahead, and the byte a background read kept (which
// a Read hands over without counting it against remain). No background
// read runs while a request is read (finishRequest ended it).
func (cr *connReader) gohttpdbgAvail(br *bufio.Reader) int64 {
	n := cr.remain + int64(br.Buffered())
	if cr.hasByte {
		n++
	}
	return n
}

// GohttpdbgHeaderSize returns the bytes w's request line and header took
// on the wire, the blank line included (the server probe reads it as the
// handler starts, before the connection reads another request).
func (w *response) GohttpdbgHeaderSize() int {
	return int(w.conn.gohttpdbgHS)
}
`

// hdrSizeClientHelper serves the wrap of (*persistConn).readResponse
// (http1.go): the bytes its reader consumed, 1xx responses included
// (net/http's MaxResponseHeaderBytes counts them with the final one).
const hdrSizeClientHelper = `
// gohttpdbgAvail returns what the client may still consume of a
// response's header: what the connection may still read before its
// header limit, and what the reader holds read ahead.
func (pc *persistConn) gohttpdbgAvail() int64 {
	return pc.readLimit + int64(pc.br.Buffered())
}

// gohttpdbgHeaderRead keeps, for the response the read loop is about to
// hand over, the bytes its status line and header took (those of its 1xx
// responses included), avail being gohttpdbgAvail before the read (which
// the wrap reads only for a request the probes follow: nothing more at
// level 0). A trace's Got1xxResponse resets the limit per 1xx response
// (readResponse): the size is then unknown. With it go the bytes of the
// request's line and header, which the write loop counted
// (gohttpdbgHeaderWritten), if it did before the response came.
func (pc *persistConn) gohttpdbgHeaderRead(trace *httptrace.ClientTrace, avail int64) {
	var hs struct{ req, resp int32 }
	if n := pc.gohttpdbgReqHS.Swap(0); n > 0 && n < 1<<31-1 {
		hs.req = int32(n)
	}
	if n := avail - pc.gohttpdbgAvail(); n >= 0 && n < 1<<31-1 && (trace == nil || trace.Got1xxResponse == nil) {
		hs.resp = int32(n) + 1
	}
	pc.gohttpdbgRead = hs
}

// gohttpdbgTakeHS returns what gohttpdbgHeaderRead kept, for the response
// the read loop sends, and forgets it. Only the read loop calls both.
func (pc *persistConn) gohttpdbgTakeHS() struct{ req, resp int32 } {
	hs := pc.gohttpdbgRead
	pc.gohttpdbgRead = struct{ req, resp int32 }{}
	return hs
}
`

// hdrSizeDeliverHelper hands the sizes a response came with to the
// probes, on the request's goroutine (handleResponse, in roundTrip):
// the request's state is its own until roundTrip returns.
const hdrSizeDeliverHelper = `
// gohttpdbgHeaderSizes hands the probes the header sizes of the response
// treq receives (gohttpdbgHeaderRead's), with their state of the request
// (ClientHeaderSizes, set with ClientStart, as ClientEnd). Small enough
// to inline in roundTrip: no frame of its own.
func gohttpdbgHeaderSizes(treq *transportRequest, hs struct{ req, resp int32 }) {
	if s := treq.gohttpdbgState; s != nil {
		GohttpdbgHTTP1.ClientHeaderSizes(s, hs.req, hs.resp)
	}
}
`

// findReadRequestCall finds "req, err := readRequest(c.bufr)" (Go 1.27:
// readRequestLimit(c.bufr, …)) in (*conn).readRequest, whose receiver
// must be named (the code uses it). The end point's statement must be there too: the code
// inserted here needs the helper, which comes only with both.
func findReadRequestCall(f *srcFile, fd *dst.FuncDecl, sig signature, d *hookData) (dst.Stmt, *ast.CallExpr, bool) {
	if _, _, ok := findInfiniteReadLimit(f, fd, sig, d); !ok {
		return nil, nil, false
	}
	stmt, _ := findStmt(fd, func(s dst.Stmt) bool {
		as, ok := s.(*dst.AssignStmt)
		if !ok || len(as.Lhs) != 2 || len(as.Rhs) != 1 {
			return false
		}
		name, c := callOf(as.Rhs[0])
		if !strings.HasPrefix(name, "readRequest") || len(c.Args) == 0 {
			return false
		}
		sel, ok := c.Args[0].(*dst.SelectorExpr)
		return ok && sel.Sel.Name == "bufr"
	})
	return stmt, nil, stmt != nil
}

// findInfiniteReadLimit finds "c.r.setInfiniteReadLimit()" in
// (*conn).readRequest, whose receiver must be named.
func findInfiniteReadLimit(_ *srcFile, fd *dst.FuncDecl, sig signature, _ *hookData) (dst.Stmt, *ast.CallExpr, bool) {
	if sig.recvName == "" {
		return nil, nil, false
	}
	stmt, _ := findStmt(fd, func(s dst.Stmt) bool { return methodCallStmt(s, "setInfiniteReadLimit", 0) != nil })
	return stmt, nil, stmt != nil
}

// hdrSizeH2Hooks are an HTTP/2 implementation's: the size of a HEADERS
// block is its decoded header list as SETTINGS_MAX_HEADER_LIST_SIZE counts
// it (RFC 9113 §6.5.2: each field's name and value plus 32, pseudo-header
// fields included), which readMetaFrame computes anyway and which the
// server's MaxHeaderBytes limits; not the HPACK-compressed bytes, which
// depend on what the connection's earlier blocks left in the dynamic
// table. The Framer keeps the size of the block it read last: the
// server's frame reader waits until the serve loop has handled a frame
// before it reads the next (its gate), and the client's read loop reads
// and handles its frames itself. (Not in the MetaHeadersFrame: tests of
// Go 1.27 and x/net compare those whole.)
var hdrSizeH2Hooks = []hookPoint{
	{
		// Per connection.
		kind: appendFields, recv: "{{.P}}Framer", label: "{{.P}}Framer size", group: "h2hdrsize", field: "AllowIllegalReads",
		needs: []string{"{{.P}}Framer{AllowIllegalReads}"},
		code:  tmpl("gohttpdbgHS uint32; "),
	},
	{
		// A new block.
		kind: afterStmt, recv: "{{.P}}Framer", fn: "readMetaFrame", label: "{{.P}}Framer.readMetaFrame start", requires: "h2hdrsize", group: "h2hdrsize",
		lost: "an HTTP/2 request's header size is summed from its header map", find: findMetaFrameMade,
		code: tmpl("{{.R}}.gohttpdbgHS = 0"),
	},
	{
		// Each field decoded within the limit, as the limit counts it.
		kind: afterStmt, recv: "{{.P}}Framer", fn: "readMetaFrame", label: "{{.P}}Framer.readMetaFrame size", requires: "h2hdrsize", group: "h2hdrsize",
		lost: "an HTTP/2 request's header size is summed from its header map", find: findRemainSize,
		code: tmpl("{{.R}}.gohttpdbgHS += {{.V.size}}"),
	},
	{
		// The server's request: its writer's state (pooled, zeroed when
		// taken) keeps the size, in the padding after handlerDone.
		kind: appendFields, recv: "{{.P}}responseWriterState", label: "{{.P}}responseWriterState size", requires: "h2hdrsize", group: "h2hdrsize",
		field: "handlerDone", when: serverOwn,
		code: tmpl("gohttpdbgHS uint32; "),
	},
	{
		kind: wrapFunc, recv: "{{.P}}serverConn", fn: "newWriterAndRequest", params: []string{"*{{.P}}stream", "*{{.P}}MetaHeadersFrame"},
		results: [][]string{{"*{{.P}}responseWriter", "*Request", "error"}, {"*{{.P}}responseWriter", "*ServerRequest", "error"}, {"*{{.P}}responseWriter", "*http.Request", "error"}},
		needs:   []string{"{{.P}}responseWriter{rws}", "{{.P}}serverConn{framer}"}, requires: "h2hdrsize", group: "h2hdrsize", when: serverOwn,
		lost: "an HTTP/2 request's header size is summed from its header map",
		code: tmpl("rw, req, err := {{.Call}}\nif rw != nil && rw.rws != nil && {{.R}}.framer != nil {\nrw.rws.gohttpdbgHS = {{.R}}.framer.gohttpdbgHS\n}\nreturn rw, req, err"),
	},
}

// hdrSizeH2ClientHooks are an HTTP/2 client's: the size of a response's
// block (its Framer's) goes, once the response is made, into its stream's
// totalHeaderSize, which net/http uses for the 1xx responses before it
// alone (so that the 1xx blocks it counted against its limit, when the
// program's trace has no Got1xxResponse, count too, as in HTTP/1);
// the response's body (transportResponseBody) reads it back. A response
// without a body (HEAD, END_STREAM on its header) is summed from its map.
var hdrSizeH2ClientHooks = []hookPoint{
	{
		kind: wrapFunc, recv: "{{.P}}clientConnReadLoop", fn: "handleResponse", params: []string{"*{{.P}}clientStream", "*{{.P}}MetaHeadersFrame"},
		results: [][]string{{"*Response", "error"}, {"*ClientResponse", "error"}, {"*http.Response", "error"}},
		needs:   []string{"{{.P}}transportResponseBody{cs}"}, requires: "h2hdrsize", group: "h2hdrsize", when: clientTotalHeaderSize,
		lost: "an HTTP/2 response's header size is summed from its header map",
		code: tmpl("res, err := {{.Call}}\nif res != nil && err == nil && {{.R}}.cc != nil && {{.R}}.cc.fr != nil {\n{{index .A 0}}.totalHeaderSize += int64({{.R}}.cc.fr.gohttpdbgHS)\n}\nreturn res, err"),
	},
}

// hdrSizeH2ReqHooks count an HTTP/2 client request's header block as its
// stream encodes it. They come before the level-2 event points in the
// table: at the encoder's field callback the count then runs before the
// event hook's call, while the field is still in registers.
var hdrSizeH2ReqHooks = []hookPoint{
	{
		// The request's block as encoded, its decoded size (as the
		// server's is counted): in the padding after isHead (Go 1.26's
		// stream fills its 416-byte class), 0xffff when larger than 16
		// bits hold. The stream is new (zero) for each request.
		kind: appendFields, recv: "{{.P}}clientStream", label: "{{.P}}clientStream header size", field: "isHead",
		when: clientTotalHeaderSize,
		lost: "an HTTP/2 client request's header size is summed from its header map",
		code: tmpl("gohttpdbgReqHS uint16; "),
	},
	{
		// Each field the encoder writes (encodeAndWriteHeaders' callback;
		// without it the size stays 0: unknown).
		kind: beforeStmt, recv: "{{.P}}clientStream", fn: "encodeAndWriteHeaders", label: "{{.P}}clientStream header size field",
		requires: "{{.P}}clientStream header size", group: "h2reqhs", when: clientTotalHeaderSize, find: findWriteHeaderCall,
		lost: "an HTTP/2 client request's header size is summed from its header map",
		code: tmpl("{{.R}}.gohttpdbgCountField({{.V.name}}, {{.V.value}})"),
	},
}

// clientTotalHeaderSize: the package has its own client, whose streams
// count their 1xx header sizes (Go 1.26, Go 1.27, x/net from v0.35 of
// the versions tested).
func clientTotalHeaderSize(pk *pkgFiles, n h2Names) bool {
	return clientOwn(pk, n) && pk.has(n.expand("{{.P}}clientStream{totalHeaderSize}"))
}

const hdrSizeH2ClientHelper = `
// GohttpdbgHeaderSizes returns the decoded sizes, as
// SETTINGS_MAX_HEADER_LIST_SIZE counts them, of the request's header
// block as the stream encoded it and of the response's (with the 1xx
// blocks net/http counted); 0 when unknown. One call for both: the
// client probe reads them with the response.
func (b {{.P}}transportResponseBody) GohttpdbgHeaderSizes() (req, resp int) {
	if b.cs == nil {
		return 0, 0
	}
	if n := b.cs.gohttpdbgReqHS; n < 0xffff {
		req = int(n)
	}
	return req, int(b.cs.totalHeaderSize)
}
`

const hdrSizeH2CountHelper = `
// gohttpdbgCountField adds a field the stream encodes to its request
// header's size: name, value and 32, as SETTINGS_MAX_HEADER_LIST_SIZE
// counts them; past what the field holds it stays at 0xffff (unknown).
func (cs *{{.P}}clientStream) gohttpdbgCountField(name, value string) {
	n := int(cs.gohttpdbgReqHS) + len(name) + len(value) + 32
	if n > 0xffff {
		n = 0xffff
	}
	cs.gohttpdbgReqHS = uint16(n)
}
`

const hdrSizeH2Helper = `
// GohttpdbgHeaderSize returns the decoded size of w's request header
// block (each field's name and value plus 32, as
// SETTINGS_MAX_HEADER_LIST_SIZE counts it); 0 when unknown (a request
// upgraded from HTTP/1, or once the handler is done).
func (w *{{.P}}responseWriter) GohttpdbgHeaderSize() int {
	if w == nil || w.rws == nil {
		return 0
	}
	return int(w.rws.gohttpdbgHS)
}
`

// findMetaFrameMade finds, in readMetaFrame, "mh := &MetaHeadersFrame{…}";
// the receiver must be named.
func findMetaFrameMade(_ *srcFile, fd *dst.FuncDecl, sig signature, _ *hookData) (dst.Stmt, *ast.CallExpr, bool) {
	if sig.recvName == "" {
		return nil, nil, false
	}
	stmt, _ := addrOfLitStmt(fd, func(t string) bool { return strings.HasSuffix(t, "MetaHeadersFrame") })
	return stmt, nil, stmt != nil
}

// findRemainSize finds, in readMetaFrame, the statement that counts a
// decoded field against the header list's limit ("remainSize -= size";
// "budget.remainSize -= size" in Go 1.27, "*remainSize -= size" in recent
// x/net) and names the field's size (size); the receiver must be named.
func findRemainSize(f *srcFile, fd *dst.FuncDecl, sig signature, d *hookData) (dst.Stmt, *ast.CallExpr, bool) {
	if sig.recvName == "" {
		return nil, nil, false
	}
	stmt, _ := findStmt(fd, func(s dst.Stmt) bool {
		as, ok := s.(*dst.AssignStmt)
		if !ok || as.Tok != token.SUB_ASSIGN || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
			return false
		}
		if id, ok := as.Rhs[0].(*dst.Ident); !ok || id.Name != "size" {
			return false
		}
		return strings.HasSuffix(f.exprText(as.Lhs[0]), "remainSize")
	})
	if stmt == nil {
		return nil, nil, false
	}
	d.V["size"] = "size"
	return stmt, nil, true
}

// findHandleResponse finds, in (*persistConn).roundTrip, the function
// literal every response reaches the request through ("handleResponse :=
// func(re responseAndError) …") and its calls ("return
// handleResponse(re)"), and inserts before each call the hand-over of the
// response's header sizes to the probes, with the request (roundTrip's
// parameter). Not in the literal: net/http's compiler then still inlines
// it. Nothing else to insert: stmt nil.
func findHandleResponse(f *srcFile, fd *dst.FuncDecl, sig signature, d *hookData) (dst.Stmt, *ast.CallExpr, bool) {
	afd, _ := f.astOf(fd).(*ast.FuncDecl)
	if afd == nil || afd.Body == nil || len(afd.Type.Params.List) != 1 || len(afd.Type.Params.List[0].Names) != 1 {
		return nil, nil, false
	}
	treq := afd.Type.Params.List[0].Names[0].Name
	var name string
	ast.Inspect(afd.Body, func(n ast.Node) bool {
		as, ok := n.(*ast.AssignStmt)
		if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
			return true
		}
		fl, ok := as.Rhs[0].(*ast.FuncLit)
		id, ok2 := as.Lhs[0].(*ast.Ident)
		if !ok || !ok2 {
			return true
		}
		if ps := fl.Type.Params.List; len(ps) == 1 && len(ps[0].Names) == 1 {
			if t, ok := ps[0].Type.(*ast.Ident); ok && t.Name == "responseAndError" && name == "" {
				name = id.Name
			}
		}
		return false
	})
	if name == "" || treq == "_" {
		return nil, nil, false
	}
	var rets []*ast.ReturnStmt
	var args []string
	calls := 0
	ast.Inspect(afd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ReturnStmt:
			if len(n.Results) != 1 {
				return true
			}
			c, ok := n.Results[0].(*ast.CallExpr)
			if !ok || len(c.Args) != 1 {
				return true
			}
			fn, ok := c.Fun.(*ast.Ident)
			arg, ok2 := c.Args[0].(*ast.Ident)
			if ok && ok2 && fn.Name == name {
				rets, args = append(rets, n), append(args, arg.Name)
			}
		case *ast.CallExpr:
			if fn, ok := n.Fun.(*ast.Ident); ok && fn.Name == name {
				calls++
			}
		}
		return true
	})
	// Every call is a "return handleResponse(re)": none goes without.
	if len(rets) == 0 || len(rets) != calls {
		return nil, nil, false
	}
	for i, r := range rets {
		re, at := args[i], f.off(r.Pos())
		f.edits = append(f.edits, edit{off: at, end: at,
			text: "if " + re + ".gohttpdbgHS.req|" + re + ".gohttpdbgHS.resp != 0 { gohttpdbgHeaderSizes(" + treq + ", " + re + ".gohttpdbgHS) }; " + f.posDirective(r.Pos())})
	}
	return nil, nil, true
}

// findResponseSends finds, in (*persistConn).readLoop, each response it
// sends to the request ("responseAndError{res: resp}") and adds to it
// the header sizes gohttpdbgHeaderRead kept. Nothing else to insert:
// stmt nil.
func findResponseSends(f *srcFile, fd *dst.FuncDecl, sig signature, d *hookData) (dst.Stmt, *ast.CallExpr, bool) {
	afd, _ := f.astOf(fd).(*ast.FuncDecl)
	if afd == nil || afd.Body == nil || sig.recvName == "" || sig.recvName == "_" {
		return nil, nil, false
	}
	var lits []*ast.CompositeLit
	ast.Inspect(afd.Body, func(n ast.Node) bool {
		cl, ok := n.(*ast.CompositeLit)
		if !ok {
			return true
		}
		if id, ok := cl.Type.(*ast.Ident); ok && id.Name == "responseAndError" {
			for _, e := range cl.Elts {
				if kv, ok := e.(*ast.KeyValueExpr); ok {
					if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "res" {
						lits = append(lits, cl)
						break
					}
				}
			}
		}
		return true
	})
	if len(lits) == 0 {
		return nil, nil, false
	}
	for _, cl := range lits {
		at := f.off(cl.Elts[len(cl.Elts)-1].End())
		f.edits = append(f.edits, edit{off: at, end: at, text: ", gohttpdbgHS: " + sig.recvName + ".gohttpdbgTakeHS()"})
	}
	return nil, nil, true
}
