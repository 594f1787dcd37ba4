package stdpatch

import (
	"go/ast"

	"github.com/dave/dst"
)

// h2ConnStateHooks route an HTTP/2 server connection's state changes
// (StateActive and StateIdle: net/http's own conn reports StateNew and
// StateClosed) through the hook set's ServerConnState with a word kept on
// the serverConn, as HTTP/1's go through ConnState with one on net/http's
// conn: the probes find the connection's entry there, not by looking its
// net.Conn up on each turn. An HTTP/2 connection turns active and idle
// once per request when its requests come one after another.
var h2ConnStateHooks = []hookPoint{
	{
		// Per connection, not per stream.
		kind: appendFields, recv: "{{.P}}serverConn", label: "{{.P}}serverConn", group: "h2connfield", when: serverOwn,
		needs: []string{"{{.P}}serverConn{hs,conn}", "{{.P}}responseWriter{rws}", "{{.P}}responseWriterState{conn}"},
		lost:  "each HTTP/2 server connection state change is looked up by its net.Conn",
		code:  tmpl("gohttpdbgConn {{.P}}gohttpdbgPtr; "),
	},
	{
		// The call of the server's ConnState in setConnState (Go 1.26, x/net:
		// the Server's field, under a nil check; Go 1.27: a method of the
		// ServerConfig net/http hands its HTTP/2 server). The hook calls it
		// itself, or says it did not (false): then it is called as before.
		kind: replaceCall, recv: "{{.P}}serverConn", fn: "setConnState", label: "(*{{.P}}serverConn).setConnState ConnState",
		group: "h2connstate", requires: "h2connfield", when: serverOwn, find: findH2ConnStateCall,
		lost: "each HTTP/2 server connection state change is looked up by its net.Conn",
		code: tmpl("{{.R}}.gohttpdbgConnState({{index .A 0}}, {{index .A 1}})"),
	},
}

const h2ConnStateHelper = `
// gohttpdbgConnState hands a state change of the connection to the
// ServerConnState hook with the server (what sc.hs holds) and the
// connection's word for the probes, and calls the server's ConnState
// when the hook did not. One call in setConnState's place, which the
// compiler then still inlines into its callers. While no probe follows
// connections (ServerConnStateOn) a connection the probes never saw
// makes no call.
func (sc *{{.P}}serverConn) gohttpdbgConnState(nc net.Conn, state {{.HTTP}}ConnState) {
	if {{.H}}.ServerConnStateOn.Load() || atomic.LoadPointer(&sc.gohttpdbgConn) != nil {
		if h := {{.H}}.ServerConnState; h != nil && h(sc.hs, &sc.gohttpdbgConn, nc, int(state)) {
			return
		}
	}
	sc.hs.ConnState(nc, state)
}

// GohttpdbgConn returns what the probes keep on the connection w answers
// on (ServerConnState's slot; nil before its first change of state): the
// server probe finds the connection's entry there for each request, with
// no lookup.
func (w *{{.P}}responseWriter) GohttpdbgConn() unsafe.Pointer {
	if w == nil || w.rws == nil || w.rws.conn == nil {
		return nil
	}
	return atomic.LoadPointer(&w.rws.conn.gohttpdbgConn)
}
`

// h2ServerConfigHelper lets the probes find the *Server behind Go 1.27's
// HTTP/2 server, which holds it as a ServerConfig (net/http's
// http2ServerConfig), for ServerConnState's srv.
const h2ServerConfigHelper = `
// GohttpdbgServer returns the server whose HTTP/2 connections s configures.
func (s http2ServerConfig) GohttpdbgServer() *Server { return s.s }
`

// findH2ConnStateCall finds, in setConnState, the statement
// "sc.hs.ConnState(nc, state)".
func findH2ConnStateCall(f *srcFile, fd *dst.FuncDecl, sig signature, d *hookData) (dst.Stmt, *ast.CallExpr, bool) {
	var call *ast.CallExpr
	ast.Inspect(f.astOf(fd).(*ast.FuncDecl).Body, func(n ast.Node) bool {
		if call != nil {
			return false
		}
		es, ok := n.(*ast.ExprStmt)
		if !ok {
			return true
		}
		c, ok := es.X.(*ast.CallExpr)
		if !ok || len(c.Args) != 2 {
			return true
		}
		sel, ok := c.Fun.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "ConnState" {
			return true
		}
		x, ok := sel.X.(*ast.SelectorExpr)
		if !ok || x.Sel.Name != "hs" {
			return true
		}
		if id, ok := x.X.(*ast.Ident); !ok || id.Name != sig.recvName {
			return true
		}
		call = c
		return false
	})
	return nil, call, call != nil
}
