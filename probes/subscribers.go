package probes

import (
	"sync"
	"sync/atomic"
)

// subscribers is a copy-on-write set of subscriptions (to events, to
// completed exchanges): the hot path checks it with one atomic load;
// adding, removing and publishing take the lock, so that a send never
// races with Close.
type subscribers[T any] struct {
	mu   sync.Mutex
	list atomic.Pointer[[]*subscription[T]]
}

// subscription receives what is published after it subscribed. A slow
// subscriber loses its oldest items, never blocks the publisher, and can
// read how many it lost.
type subscription[T any] struct {
	ch      chan T
	dropped atomic.Uint64
	owner   *subscribers[T]
}

// active reports whether anyone subscribes.
func (ss *subscribers[T]) active() bool {
	p := ss.list.Load()
	return p != nil && len(*p) > 0
}

// add returns a new subscription buffering up to size items.
func (ss *subscribers[T]) add(size int) *subscription[T] {
	if size < 1 {
		size = 1
	}
	s := &subscription[T]{ch: make(chan T, size), owner: ss}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	var list []*subscription[T]
	if p := ss.list.Load(); p != nil {
		list = append(list, *p...)
	}
	list = append(list, s)
	ss.list.Store(&list)
	return s
}

// publish offers v to every subscriber.
func (ss *subscribers[T]) publish(v *T) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if p := ss.list.Load(); p != nil {
		for _, s := range *p {
			s.offer(v)
		}
	}
}

func (s *subscription[T]) offer(v *T) {
	select {
	case s.ch <- *v:
		return
	default:
	}
	select { // full: drop the oldest
	case <-s.ch:
		s.dropped.Add(1)
	default:
	}
	select {
	case s.ch <- *v:
	default:
		s.dropped.Add(1)
	}
}

// C returns the channel of items. It is closed by Close.
func (s *subscription[T]) C() <-chan T { return s.ch }

// Dropped returns how many items this subscriber lost.
func (s *subscription[T]) Dropped() uint64 { return s.dropped.Load() }

// Close ends the subscription and closes its channel.
func (s *subscription[T]) Close() {
	ss := s.owner
	ss.mu.Lock()
	defer ss.mu.Unlock()
	p := ss.list.Load()
	if p == nil {
		return
	}
	var list []*subscription[T]
	found := false
	for _, x := range *p {
		if x == s {
			found = true
			continue
		}
		list = append(list, x)
	}
	if !found {
		return
	}
	if len(list) == 0 {
		// nil, not empty: the journal's writers test for nil (see
		// journal.finish).
		ss.list.Store(nil)
	} else {
		ss.list.Store(&list)
	}
	close(s.ch)
}
