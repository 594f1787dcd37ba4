// Package body is the body probe, for both sides: it wraps a client
// response's body (WrapResponse) and a served request's body
// (WrapRequest), counts what is read, and reports what was not done with
// them: body.leak (a response body collected without Close), body.held,
// body.early_close, body.unread, body.read_after_close. Open lists the
// bodies open now (/v1/bodies).
//
// A body's state lives in the request that owns it (the client or server
// probe's), which a response body tells of its end (Owner).
//
// It imports package probes (the core) and the standard library only.
package body
