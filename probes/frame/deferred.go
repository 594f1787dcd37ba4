package frame

// The lock-free path of a request's frames at level 1.
//
// Most streams are a GET or its like: one side's HEADERS with END_STREAM
// opens the stream half closed, the other side's HEADERS and DATA with
// END_STREAM close it. Such a stream cannot stall while the initial
// stream windows are open (its one DATA frame ends it), so of its frames
// only the DATA's length matters, to the connection's window. The hooks
// (quick) therefore take no lock for it:
//
//   - the HEADERS with END_STREAM of a new stream is deferred: it is kept
//     whole in c.pend (one compare-and-swap), not applied;
//   - the other side's DATA with END_STREAM on that stream takes it back
//     (a compare-and-swap) and its length from c.budget, what the
//     connection's window can lose before it closes (an atomic add); a
//     HEADERS with END_STREAM (a response without a body) takes it back
//     alone;
//   - the response's HEADERS moves nothing (see basicAll).
//
// Every other frame, and everything that reads the windows (the stall
// timer, Flows), runs a flow section under c.mu: lockFlow first applies
// what the lock-free path left (syncLocked: the deferred HEADERS as if it
// had been applied when it came, the DATA's lengths to the connection's
// window), unlockFlow then grants the lock-free path again what it may do
// until the next section. The windows under c.mu are therefore exact at
// every section, and the lock-free path never takes a window to zero or
// below: a stall is decided under the lock, as before.
//
// A deferred HEADERS is taken back by a DATA only if no flow section ran
// in between (c.gen, bumped at the end of each): otherwise a section may
// have opened the stream from another of its frames (the response read
// before the request's write hook ran), and the section that applies the
// deferred HEADERS closes it. c.top is the highest stream id the sections
// saw, so that a HEADERS with END_STREAM of a stream already open (its
// trailers) is never deferred.

// packPend packs a deferred HEADERS: the flow generation it was deferred
// in, its stream id and its direction. Never 0: the stream id is not.
//
//go:nosplit
func packPend(id uint32, d dir, gen uint32) uint64 {
	return uint64(gen)<<32 | uint64(id)<<1 | uint64(d)
}

// lockFlow starts a flow section: it locks c.mu and applies what the
// lock-free path left.
func (c *Conn) lockFlow() {
	c.mu.Lock()
	c.syncLocked()
}

// syncLocked applies what the lock-free path did since the last flow
// section: the DATA lengths its budgets paid, and a deferred HEADERS.
//
//go:nosplit
func (c *Conn) syncLocked() {
	for d := dirSend; d <= dirRecv; d++ {
		// What the budget paid; below 0, what quick overdrew too.
		c.fl.conn[d&1].n -= c.granted[d&1] - c.budget[d&1].Swap(0)
		c.granted[d&1] = 0
	}
	if p := c.pend.Swap(0); p != 0 {
		// Before a resynchronisation: frames that went unseen since
		// (c.unsynced) may be its stream's, which is then not followed.
		c.applyDeferred(p)
	}
}

// applyDeferred applies a deferred HEADERS with END_STREAM (packPend).
//
//go:noinline
func (c *Conn) applyDeferred(p uint64) {
	if c.done {
		return
	}
	c.fl.applyBasic(TypeHeaders, FlagEndStream|FlagEndHeaders, uint32(p)>>1, 0, 0, dir(p&1) == dirSend)
}

// unlockFlow ends a flow section: it grants the lock-free path what it may
// do until the next one and unlocks c.mu. A HEADERS may be deferred while
// a new stream's windows are open; a DATA may take from the connection's
// window while it stays open and is in no zero-window episode (the stall
// timer's).
//
//go:nosplit
func (c *Conn) unlockFlow() {
	top := c.fl.streams.maxID
	if c.done || c.fl.initial[dirSend] <= 0 || c.fl.initial[dirRecv] <= 0 {
		top = 1<<32 - 1 // no stream id is above: nothing is deferred
	}
	c.top.Store(top)
	c.gen.Add(1)
	for d := dirSend; d <= dirRecv; d++ {
		// Added, not stored: since syncLocked took the budget (0), a
		// DATA may have overdrawn it, and the next section applies that.
		if w := &c.fl.conn[d&1]; !c.done && w.n > 1 && w.zeroSince == 0 {
			c.granted[d&1] = w.n - 1
			c.budget[d&1].Add(w.n - 1)
		}
	}
	c.mu.Unlock()
}

// quick is the level-1 path of the hooks (the http2debug emulation off),
// lock-free for a request's frames (see above): a frame's type, flags,
// stream id and payload (whole: its length is the frame's), and its
// direction (dirSend: written). The frames it does not take go the way
// they went before (basic, then the full path): a frame read from here
// (readOn, which is not nosplit: Read runs on the connection's read loop),
// so that Read keeps nothing across its call; a frame written back in
// Write, for which it returns false. Write's nosplit chain then does not
// hold quick's frame and basic's at once (the linker's limit leaves no
// room for both on arm64). It is one function, its usual path a few cache
// lines: each line a frame runs is about one instruction-cache miss (see
// basic).
//
// What it leaves to the other paths: every type but DATA and HEADERS,
// padded frames and HEADERS with PRIORITY (the full path checks their
// padding and dependency), and frames without END_STREAM but a
// response's HEADERS. What it takes needs no further check: a stream id
// of 0 matches neither a response (odd), nor a new stream (above c.top),
// nor a deferred HEADERS (never of stream 0). A DATA is taken whether or
// not frames went unseen (c.unsynced): its stream ends, and the next flow
// section applies its length before it resynchronises.
//
// It is nosplit, for Write (see there).
//
//go:nosplit
func (c *Conn) quick(typ, flags uint8, id uint32, payload []byte, d dir) bool {
	if typ <= uint8(TypeHeaders) && flags&uint8(FlagPadded|FlagPriority) == 0 {
		switch {
		case flags&uint8(FlagEndStream) == 0:
			// A response's HEADERS (the server writes it, the client
			// reads it): see basicAll. sideServer-d: written on a server,
			// read on a client.
			if typ == uint8(TypeHeaders) && id&1 == 1 && c.sideCode.Load() == uint32(sideServer)-uint32(d) {
				return true
			}
		case typ == uint8(TypeHeaders):
			// A new stream's HEADERS with END_STREAM: deferred. c.top is
			// the highest id while deferring is allowed (see unlockFlow).
			// Not after frames went unseen: the stream is then to be
			// opened after the resynchronisation (a deferred one is
			// applied before it).
			g := c.gen.Load()
			if id > c.top.Load() && !c.unsynced.Load() && c.pend.CompareAndSwap(0, packPend(id, d, g)) {
				return true
			}
			fallthrough // the end of a deferred stream (a response without a body)?
		default:
			// A DATA (or HEADERS) with END_STREAM: it takes back its
			// stream's HEADERS, deferred in the other direction in this
			// flow generation; a DATA pays its length.
			if p := c.pend.Load(); p == packPend(id, d^1, c.gen.Load()) && c.pend.CompareAndSwap(p, 0) {
				if typ == uint8(TypeData) {
					c.pay(d, uint32(len(payload)))
				}
				return true
			}
		}
	}
	if d == dirRecv {
		// Read's frame, from here: Read then keeps nothing across its
		// call. Write's, whose path must stay nosplit, goes back to
		// Write.
		c.readOn(1, 0, Header{Length: uint32(len(payload)), Type: Type(typ), Flags: Flags(flags), StreamID: id}, payload)
		return true
	}
	return false
}

// pay takes n bytes of a DATA frame quick took from the budget of
// direction d; a budget it overdraws (the window may close, or a flow
// section took the budget) is the next section's to apply, at once.
//
//go:nosplit
func (c *Conn) pay(d dir, n uint32) {
	if c.budget[d&1].Add(-int64(n)) < 0 {
		c.dataLocked()
	}
}

// dataLocked is the flow section of a DATA frame that quick took and
// whose length overdrew the budget (syncLocked applies it): the
// connection's window may have closed.
//
//go:noinline
func (c *Conn) dataLocked() {
	c.lockFlow()
	if c.unsynced.Load() {
		c.resyncLocked()
	}
	quiet := c.done || c.fl.quietStream(nil)
	c.unlockFlow()
	if !quiet {
		c.checkWindows(0)
	}
}
