// Package levels measures what the probe levels cost per request inside
// one instrumented process, switching the level between short slices of
// requests.
//
// The benchmarks of package bench compare separate processes (plain,
// level 0, 1, 2), each running for a second or more. On a small shared
// machine the speed of a loopback request drifts by 10–20 % over seconds,
// which is larger than the differences being measured. Here every round
// runs one slice of requests per variant, back to back, each variant on
// connections of its own opened at its levels, in the reverse order of
// the round before (ABC CBA), and
// compares each slice with the base's slice of its own round: drift
// slower than a round cancels out. The plain build cannot be switched in:
// level 0 stands for it (the same allocations, one atomic load per hook;
// `gohttpdbg bench` compares it with the plain build, process against
// process, and runs the plain build under GODEBUG=http2debug=2, which is
// read once at start and cannot be switched in either).
//
//	GOHTTPDBG_OUT=off GOHTTPDBG_BREAKER=0 gohttpdbg test -run '^$' -bench Levels -benchtime 60000x -count 5 ./bench/levels
//
// (at level 2 the frame probe's events outrun the admin socket breaker's
// default budget, which would drop it to level 1: the run fails then).
// Each protocol is measured on the 2-byte GET ("small") and on the JSON
// API call ("api") of bench/loopback.
//
// The variants are GOHTTPDBG specs, the first one the base the others are
// compared with; -variants changes them, to cost one probe at a time:
//
//	gohttpdbg test -run '^$' -bench Levels -benchtime 60000x ./bench/levels -args -variants 'all=0 all=0,body=1 all=0,dial=1'
//
// A spin=DURATION item adds that much CPU work, timed alone, to each of
// the variant's requests, half on each side (the client before it sends,
// the handler before it answers): the default 'spin=1700ns' beside level
// 0 shows what 1.7 µs of pure work costs a request in the same run, the
// yardstick of the level-1 goal.
//
// Per variant: <name>-ns/req and -cpu-ns/req (medians over rounds),
// -allocs/req and -B/req (every goroutine's heap allocations in the timed
// slices, exact: runtime.ReadMemStats around each), and but for the base
// -% and -cpu-% (the median over rounds of the slice against the base's).
//
// What the comparison cannot attribute: the collector's work. A cycle
// starts when the heap has grown enough, in whichever slice that happens,
// so a variant that allocates more shares its extra cycles with the
// others; -B/req says how much more it allocates, and `gohttpdbg bench`,
// process against process, includes the collector.
package levels
