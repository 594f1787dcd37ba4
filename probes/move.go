package probes

import "unsafe"

// The probes copy short strings (header fields, the journal's texts)
// with these moves rather than copy or append: a call to memmove made the
// copying loops save and reload every live value around it, which cost
// more than the copy. Each copies n bytes from p to d in two moves that
// overlap in the middle: nothing is read beyond p+n, nothing written
// beyond d+n. They are separate so that each is inlined (one function for
// every length is over the compiler's inlining budget): a caller writes
// `if n >= 8 { moveWide(d, p, n) } else { moveNarrow(d, p, n) }`.

// moveWide copies 8 to 32 bytes.
func moveWide(d, p unsafe.Pointer, n int) {
	if n >= 16 {
		*(*[16]byte)(d) = *(*[16]byte)(p)
		*(*[16]byte)(unsafe.Add(d, n-16)) = *(*[16]byte)(unsafe.Add(p, n-16))
	} else {
		*(*[8]byte)(d) = *(*[8]byte)(p)
		*(*[8]byte)(unsafe.Add(d, n-8)) = *(*[8]byte)(unsafe.Add(p, n-8))
	}
}

// moveLong copies 16 bytes or more, 16 at a time, the last 16 overlapping.
func moveLong(d, p unsafe.Pointer, n int) {
	for i := 0; i < n-16; i += 16 {
		*(*[16]byte)(unsafe.Add(d, i)) = *(*[16]byte)(unsafe.Add(p, i))
	}
	*(*[16]byte)(unsafe.Add(d, n-16)) = *(*[16]byte)(unsafe.Add(p, n-16))
}

// move4 copies 4 to 7 bytes.
func move4(d, p unsafe.Pointer, n int) {
	*(*[4]byte)(d) = *(*[4]byte)(p)
	*(*[4]byte)(unsafe.Add(d, n-4)) = *(*[4]byte)(unsafe.Add(p, n-4))
}

// moveNarrow copies 0 to 7 bytes (1 to 3: the first, middle and last).
func moveNarrow(d, p unsafe.Pointer, n int) {
	if n >= 4 {
		move4(d, p, n)
	} else if n > 0 {
		*(*byte)(d) = *(*byte)(p)
		*(*byte)(unsafe.Add(d, n>>1)) = *(*byte)(unsafe.Add(p, n>>1))
		*(*byte)(unsafe.Add(d, n-1)) = *(*byte)(unsafe.Add(p, n-1))
	}
}
