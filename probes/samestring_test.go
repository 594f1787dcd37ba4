package probes

import (
	"testing"
	"unsafe"
)

// TestSameString checks SameString against == for every length around
// its word compare (8 to 16 bytes), at every alignment of either string,
// with the bytes equal and with one byte differing at each position.
func TestSameString(t *testing.T) {
	buf := make([]byte, 64)
	other := make([]byte, 64)
	for i := range buf {
		buf[i] = byte('a' + i%26)
	}
	at := func(b []byte, off, n int) string { return unsafe.String(&b[off], n) }
	for n := 1; n <= 20; n++ {
		for offA := 0; offA < 8; offA++ {
			for offB := 0; offB < 8; offB++ {
				a := at(buf, offA, n)
				if !SameString(a, a) || !SameString(a, at(buf, offA, n)) {
					t.Fatalf("n=%d off=%d: a string differs from itself", n, offA)
				}
				copy(other[offB:], a)
				b := at(other, offB, n)
				if !SameString(a, b) {
					t.Fatalf("n=%d offsets %d,%d: %q != %q", n, offA, offB, a, b)
				}
				if SameString(a, b[:n-1]) || SameString(a[:n-1], b) {
					t.Fatalf("n=%d: strings of different lengths are the same", n)
				}
				for i := 0; i < n; i++ {
					other[offB+i]++
					if SameString(a, b) {
						t.Fatalf("n=%d offsets %d,%d: byte %d differs: %q == %q", n, offA, offB, i, a, b)
					}
					other[offB+i]--
				}
			}
		}
	}
	if !SameString("", "") || !SameString("", at(buf, 3, 0)) {
		t.Fatal("empty strings differ")
	}
}
