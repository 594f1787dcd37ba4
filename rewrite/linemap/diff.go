package linemap

// diff returns the index pairs (i, j) of a longest common subsequence of a
// and b, in increasing order, by Myers' O((N+M)·D) algorithm.
//
// Ties are broken towards the latest match in b: rewritten code inserts a
// wrapper in front of the original expression, and the wrapper can repeat
// an original name (gohttpdbgrt.Client(&Client{…}) under a dot import); the
// original token is then the later one.
func diff(a, b []string) [][2]int {
	// Common prefix and suffix cost nothing and usually cover almost the
	// whole file: edits are few and local. An inserted wrapper starts with
	// an import name that no original identifier has, so the prefix never
	// swallows a wrapper token.
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var out [][2]int
	for i := 0; i < pre; i++ {
		out = append(out, [2]int{i, i})
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	// Myers on the reversed middle makes its greedy snakes match the last
	// candidates of the forward sequences.
	ra, rb := reversed(ma), reversed(mb)
	mid := myers(ra, rb)
	for k := len(mid) - 1; k >= 0; k-- {
		out = append(out, [2]int{pre + len(ma) - 1 - mid[k][0], pre + len(mb) - 1 - mid[k][1]})
	}
	for i := 0; i < suf; i++ {
		out = append(out, [2]int{len(a) - suf + i, len(b) - suf + i})
	}
	return out
}

func reversed(s []string) []string {
	r := make([]string, len(s))
	for i, x := range s {
		r[len(s)-1-i] = x
	}
	return r
}

// myers returns the matched pairs of a shortest edit script of a into b.
func myers(a, b []string) [][2]int {
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		return nil
	}
	max := n + m
	off := max + 1
	v := make([]int, 2*max+3)
	var trace [][]int
	var dEnd int
search:
	for d := 0; d <= max; d++ {
		// Only diagonals -d..d are live; keep just that window.
		snap := make([]int, 2*d+3)
		copy(snap, v[off-d-1:off+d+2])
		trace = append(trace, snap)
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				dEnd = d
				break search
			}
		}
	}
	// Walk back through the snapshots: trace[d] holds the furthest x per
	// diagonal at the start of round d.
	var pairs [][2]int
	x, y := n, m
	for d := dEnd; d > 0; d-- {
		prev := trace[d]
		at := func(k int) int { return prev[k+d+1] }
		k := x - y
		var pk, midX, midY int
		if k == -d || (k != d && at(k-1) < at(k+1)) {
			pk = k + 1 // came down: b[y] inserted
		} else {
			pk = k - 1 // came right: a[x] deleted
		}
		px := at(pk)
		py := px - pk
		if pk == k+1 {
			midX, midY = px, py+1
		} else {
			midX, midY = px+1, py
		}
		for x > midX && y > midY {
			x--
			y--
			pairs = append(pairs, [2]int{x, y})
		}
		x, y = px, py
	}
	for x > 0 && y > 0 {
		x--
		y--
		pairs = append(pairs, [2]int{x, y})
	}
	for i, j := 0, len(pairs)-1; i < j; i, j = i+1, j-1 {
		pairs[i], pairs[j] = pairs[j], pairs[i]
	}
	return pairs
}
