// Package probes is the runtime core of gohttpdbg: the event model and
// levels, the ring, the sinks, redaction, and what the probes share: the
// connection registry (Conns), the exchange journal (Exchanges), the OTLP
// spans, a request's site from its stack (CallerSite), the clock (Mono).
// The probes themselves are its sub-packages, which import it (never the
// other way round):
//
//   - probes/client: the client side (a request's lifecycle, its trace,
//     hosts and their idle pools, the std patch's client hooks);
//   - probes/server: the server side (handlers, connection states, the std
//     patch's serve hooks);
//   - probes/body: the body probe (wrapped bodies, leaks, the open-body
//     inventory), for both sides;
//   - probes/gc: the gc probe, which names the requests a long pause
//     delayed;
//   - probes/frame and probes/reject: HTTP/2 frames, rejected requests.
//
// It imports the standard library only and compiles at language version
// go1.21.
//
// Pipeline position (run time): call-site wrappers (runtimehooks/gohttpdbgrt)
// and the std net/http patch's hooks → the probe packages → probes → ring
// → sinks and subscribers (the admin socket).
//
// # For probe authors
//
// A probe checks its level, builds an Event on the stack and emits it:
//
//	if probes.Level(probes.Frame) >= 2 {
//		e := probes.Event{Probe: probes.Frame, Sev: probes.Debug, Name: "frame.read",
//			Conn: probes.ConnID(c), Stream: id, HasStream: true, Msg: "DATA"}
//		e.AddInt("len", n)
//		e.AddString("flags", f)
//		probes.Emit(&e)
//	}
//
// The rules:
//   - Level(p) is one atomic load: the whole cost of a probe at level 0.
//     Level 1 is for diagnostics (Sev Warn or Error), level 2 for every
//     event (Sev Debug or Info).
//   - Emit copies the event. A diagnostic is written to the sink and
//     flushed before Emit returns, so it survives os.Exit; any other event
//     goes to the bounded ring, drained by a background goroutine every few
//     milliseconds (Flush drains it at once). A full ring discards its
//     oldest events and the drain reports admin.dropped with the count;
//     Emit never blocks on a slow sink for level-2 events. A level-2
//     event built on a goroutine whose stack is small (a handler's) can
//     be filled in place in its ring slot instead: Reserve, defer
//     Publish, fill, calling nothing in between that may block.
//   - Event has room for MaxAttrs attributes inline (String, Int, Bool,
//     Duration); no maps, no interfaces, so emitting allocates nothing. More
//     go to an overflow slice (Event.More), as log/slog's Record does:
//     none is dropped.
//   - ConnID(c) names a net.Conn the same way in every probe; NextReqID and
//     NextConnID give fresh ids. Ignored(c) tells the runtime's own
//     connections apart.
//   - Whatever an event shows that came from a request or a response goes
//     through Redact (RedactHeader for a header value, RedactURL for a
//     URL, Redact with FieldTarget, FieldParam, FieldForm or FieldLine for
//     the rest); TestOneRedactionEntry fails on code that reads a URL's
//     path or query, header values, cookies or forms any other way. An
//     error that quotes a URL (net/http's client errors) goes in an "err"
//     attribute, which every reader redacts.
//
// # Configuration
//
// runtimehooks applies the configuration at start (Configure, SetSink,
// SetRedactRules); GOHTTPDBG accepts, besides probe levels,
// slow.dns|slow.connect|slow.tls|slow.ttfb|slow=DURATION,
// gc.delay=DURATION and ring=N (ParseSpec).
//
// # For the admin socket
//
// Subscribe streams events (each subscriber has its own bounded buffer and
// drop count), Recent returns the last ones, Conns lists the known
// connections (body.Open the open bodies, client.Hosts the per-host reuse
// counts), SetLevel changes a probe's level, and AppendJSON renders an
// event as one NDJSON line.
package probes
