//go:build linux

package admin

import (
	"context"
	"net"
	"os"
	"sync"
	"syscall"

	"github.com/gohttpdbg/gohttpdbg/runtimehooks/admin/api"
)

// Peer is who is on the other end of an admin connection.
type Peer = api.Peer

func peerOf(c *net.UnixConn) (Peer, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return Peer{}, err
	}
	var cred *syscall.Ucred
	var cerr error
	if err := rc.Control(func(fd uintptr) {
		cred, cerr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil {
		return Peer{}, err
	}
	if cerr != nil {
		return Peer{}, cerr
	}
	return Peer{PID: int(cred.Pid), UID: int(cred.Uid)}, nil
}

// allowed reports whether a peer may use the socket: the process's own
// uid, or root.
func allowed(p Peer) bool { return p.UID == os.Getuid() || p.UID == 0 }

// adminConn is an accepted, authorised connection. It is a
// probes.RuntimeConn, so no probe ever reports it.
type adminConn struct {
	*net.UnixConn
	peer    Peer
	release func()
	once    sync.Once
}

func (*adminConn) GohttpdbgRuntimeConn() {}

func (c *adminConn) Close() error {
	c.once.Do(c.release)
	return c.UnixConn.Close()
}

// listener checks the peer of every connection before net/http sees it,
// and bounds the number of connections open at once.
type listener struct {
	*net.UnixListener
	s     *Server
	slots chan struct{}
}

func (l *listener) Accept() (net.Conn, error) {
	for {
		c, err := l.UnixListener.AcceptUnix()
		if err != nil {
			return nil, err
		}
		p, err := peerOf(c)
		// A refusal is audited before the connection closes, so that the
		// record exists by the time the peer sees its EOF.
		if err != nil {
			l.s.refuse(Peer{PID: -1, UID: -1}, "connect", "cannot read peer credentials: "+err.Error())
			c.Close()
			continue
		}
		if !allowed(p) {
			l.s.refuse(p, "connect", "peer uid is neither this process's uid nor root")
			c.Close()
			continue
		}
		select {
		case l.slots <- struct{}{}:
		default:
			l.s.refuse(p, "connect", "too many admin connections")
			c.Close()
			continue
		}
		return &adminConn{UnixConn: c, peer: p, release: func() { <-l.slots }}, nil
	}
}

type peerKey struct{}

func connContext(ctx context.Context, c net.Conn) context.Context {
	if ac, ok := c.(*adminConn); ok {
		return context.WithValue(ctx, peerKey{}, ac.peer)
	}
	return ctx
}

func peerFrom(ctx context.Context) Peer {
	p, _ := ctx.Value(peerKey{}).(Peer)
	return p
}
