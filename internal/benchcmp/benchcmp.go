// Package benchcmp compares the results of the same benchmarks run in
// several variants of one program — a baseline (the plain build) and one or
// more treatments (the instrumented build at each probe level) — the way
// benchstat does: a median and its confidence interval per cell, a
// Mann-Whitney U-test against the baseline, and a geomean row per table.
//
// Pipeline position: `gohttpdbg bench` runs the test binaries and hands
// their raw `go test -bench` output here; this package only reads, groups
// (golang.org/x/perf/benchfmt, benchproc) and summarises
// (golang.org/x/perf/benchmath) results, and renders them as text or JSON.
package benchcmp

import (
	"bytes"
	"errors"
	"fmt"
	"math"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
	"golang.org/x/perf/benchproc"
)

// Input is one variant's raw `go test -bench` output.
type Input struct {
	Name string // column label, e.g. "plain" or "level1"
	Data []byte
}

// Options tune the statistics; the zero value means benchstat's defaults.
type Options struct {
	Confidence float64 // confidence level of the intervals, default 0.95
	Alpha      float64 // significance level of the U-test, default 0.05
}

// Report is the comparison of every variant against the first one.
type Report struct {
	Config   []KeyValue `json:"config"`   // file configuration shared by every result (goos, goarch, cpu…)
	Variants []string   `json:"variants"` // column order; Variants[0] is the baseline
	Tables   []*Table   `json:"tables"`   // one per package and unit
	Warnings []string   `json:"warnings,omitempty"`
}

// KeyValue is one configuration line of the benchmark output.
type KeyValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Table holds the rows of one unit (sec/op, B/op…) of one package.
type Table struct {
	Pkg     string `json:"pkg,omitempty"`
	Unit    string `json:"unit"`
	Better  int    `json:"better"`  // -1: lower is better, +1: higher is better, 0: unknown
	Summary string `json:"summary"` // what Cell.Center is: "median" (or "mean", "exact")
	Rows    []*Row `json:"rows"`
	Geomean *Row   `json:"geomean,omitempty"`
}

// Row is one benchmark (or the geomean) across the variants.
type Row struct {
	Name  string  `json:"name"`
	Cells []*Cell `json:"cells"` // one per variant, nil where the variant has no result
}

// Cell is one variant's measurements of one benchmark.
type Cell struct {
	Center float64  `json:"center"`
	Lo     *float64 `json:"lo,omitempty"` // confidence interval; absent when unbounded or for the geomean
	Hi     *float64 `json:"hi,omitempty"`
	N      int      `json:"n,omitempty"`
	Range  string   `json:"range,omitempty"` // the interval as ± percent of Center, as benchstat prints it

	// Against the baseline's cell of the same row (absent in the baseline column).
	Delta       *float64 `json:"delta,omitempty"` // Center/base.Center - 1
	P           *float64 `json:"p,omitempty"`     // U-test p-value; absent for the geomean
	Significant bool     `json:"significant"`     // P < alpha (always true for the geomean, which has no test)
	Cmp         string   `json:"cmp,omitempty"`   // "p=0.002 n=6", as benchstat prints it

	Warnings []string `json:"warnings,omitempty"`
}

// Compare reads every input and compares each later variant with the first.
// Results are grouped into tables by package and unit, and into rows by
// full benchmark name (including -GOMAXPROCS and sub-benchmark names).
func Compare(inputs []Input, opt Options) (*Report, error) {
	if len(inputs) < 2 {
		return nil, errors.New("benchcmp: need a baseline and at least one variant")
	}
	if opt.Confidence == 0 {
		opt.Confidence = 0.95
	}
	thresholds := benchmath.DefaultThresholds
	if opt.Alpha != 0 {
		thresholds.CompareAlpha = opt.Alpha
	}

	var pp benchproc.ProjectionParser
	tableBy, unitField, err := pp.ParseWithUnit("pkg", nil)
	if err != nil {
		return nil, err
	}
	rowBy, err := pp.Parse(".fullname", nil)
	if err != nil {
		return nil, err
	}
	residue := pp.Residue()
	var pkgField *benchproc.Field
	for _, f := range tableBy.Fields() {
		if f.Name == "pkg" {
			pkgField = f
		}
	}

	type cellKey struct {
		table, row benchproc.Key
		variant    int
	}
	values := map[cellKey][]float64{}
	residues := map[cellKey]map[benchproc.Key]bool{}
	rowsOf := map[benchproc.Key]map[benchproc.Key]bool{}
	var tableKeys []benchproc.Key
	var residueAll []benchproc.Key
	units := benchfmt.UnitMetadataMap{}
	rep := &Report{}
	for vi, in := range inputs {
		rep.Variants = append(rep.Variants, in.Name)
		r := benchfmt.NewReader(bytes.NewReader(in.Data), in.Name)
		for r.Scan() {
			switch rec := r.Result().(type) {
			case *benchfmt.SyntaxError:
				rep.Warnings = append(rep.Warnings, rec.Error())
			case *benchfmt.Result:
				row := rowBy.Project(rec)
				res := residue.Project(rec)
				residueAll = append(residueAll, res)
				for _, tk := range tableBy.ProjectValues(rec) {
					if rowsOf[tk] == nil {
						rowsOf[tk] = map[benchproc.Key]bool{}
						tableKeys = append(tableKeys, tk)
					}
					rowsOf[tk][row] = true
					v, _ := rec.Value(tk.Get(unitField))
					ck := cellKey{tk, row, vi}
					values[ck] = append(values[ck], v)
					if residues[ck] == nil {
						residues[ck] = map[benchproc.Key]bool{}
					}
					residues[ck][res] = true
				}
			}
		}
		if err := r.Err(); err != nil {
			return nil, fmt.Errorf("reading %s: %v", in.Name, err)
		}
		for k, m := range r.Units() {
			units[k] = m
		}
	}
	rep.Config = commonConfig(residueAll)

	benchproc.SortKeys(tableKeys)
	for _, tk := range tableKeys {
		unit := tk.Get(unitField)
		assumption := units.GetAssumption(unit)
		t := &Table{Unit: unit, Better: units.GetBetter(unit), Summary: assumption.SummaryLabel()}
		if pkgField != nil {
			t.Pkg = tk.Get(pkgField)
		}
		var rowKeys []benchproc.Key
		for rk := range rowsOf[tk] {
			rowKeys = append(rowKeys, rk)
		}
		benchproc.SortKeys(rowKeys)
		for _, rk := range rowKeys {
			row := &Row{Name: rk.StringValues(), Cells: make([]*Cell, len(inputs))}
			var base *benchmath.Sample
			var baseCenter float64
			for vi := range inputs {
				ck := cellKey{tk, rk, vi}
				vs, ok := values[ck]
				if !ok {
					continue
				}
				s := benchmath.NewSample(vs, &thresholds)
				sum := assumption.Summary(s, opt.Confidence)
				c := &Cell{Center: sum.Center, N: len(vs), Range: sum.PctRangeString()}
				c.Lo, c.Hi = finite(sum.Lo), finite(sum.Hi)
				c.Warnings = append(c.Warnings, errorStrings(s.Warnings)...)
				c.Warnings = append(c.Warnings, errorStrings(sum.Warnings)...)
				if nsk := benchproc.NonSingularFields(keysOf(residues[ck])); len(nsk) > 0 {
					c.Warnings = append(c.Warnings, fmt.Sprintf("benchmarks vary in %s", fieldNames(nsk)))
				}
				if vi == 0 {
					base, baseCenter = s, sum.Center
				} else if base != nil {
					cmp := assumption.Compare(base, s)
					p := cmp.P
					c.P = &p
					c.Cmp = cmp.String()
					c.Significant = cmp.P < cmp.Alpha
					c.Delta = ratioDelta(sum.Center, baseCenter)
					c.Warnings = append(c.Warnings, errorStrings(cmp.Warnings)...)
				}
				row.Cells[vi] = c
			}
			t.Rows = append(t.Rows, row)
		}
		t.Geomean = geomeanRow(t.Rows, len(inputs))
		rep.Tables = append(rep.Tables, t)
	}
	return rep, nil
}

// geomeanRow summarises each column by the geometric mean of its centers
// and each treatment by the geometric mean of its ratios to the baseline
// (over the rows that have both), as benchstat does. It is nil for a table
// of one row.
func geomeanRow(rows []*Row, n int) *Row {
	if len(rows) < 2 {
		return nil
	}
	g := &Row{Name: "geomean", Cells: make([]*Cell, n)}
	for vi := 0; vi < n; vi++ {
		var centers, ratios []float64
		paired := 0
		for _, r := range rows {
			c := r.Cells[vi]
			if c == nil {
				continue
			}
			centers = append(centers, c.Center)
			if vi > 0 && r.Cells[0] != nil {
				paired++
				if base := r.Cells[0].Center; base > 0 {
					ratios = append(ratios, c.Center/base)
				}
			}
		}
		gm, ok := geomean(centers)
		if !ok {
			continue
		}
		c := &Cell{Center: gm, Significant: true}
		if vi > 0 {
			if r, ok := geomean(ratios); ok && len(ratios) == paired {
				d := r - 1
				c.Delta = &d
			}
			if paired != countNonNil(rows, 0) {
				c.Warnings = append(c.Warnings, "benchmark set differs from baseline; geomeans may not be comparable")
			}
		}
		g.Cells[vi] = c
	}
	return g
}

// geomean is the geometric mean of positive values; ok is false if there
// are none or one is not positive.
func geomean(xs []float64) (float64, bool) {
	if len(xs) == 0 {
		return 0, false
	}
	sum := 0.0
	for _, x := range xs {
		if !(x > 0) {
			return 0, false
		}
		sum += math.Log(x)
	}
	return math.Exp(sum / float64(len(xs))), true
}

func countNonNil(rows []*Row, vi int) int {
	n := 0
	for _, r := range rows {
		if r.Cells[vi] != nil {
			n++
		}
	}
	return n
}

func ratioDelta(v, base float64) *float64 {
	var d float64
	switch {
	case v == base:
		d = 0
	case base == 0:
		return nil
	default:
		d = v/base - 1
	}
	return &d
}

func finite(x float64) *float64 {
	if math.IsInf(x, 0) || math.IsNaN(x) {
		return nil
	}
	return &x
}

func errorStrings(errs []error) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

func keysOf(m map[benchproc.Key]bool) []benchproc.Key {
	var ks []benchproc.Key
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func fieldNames(fs []*benchproc.Field) string {
	var b bytes.Buffer
	for i, f := range fs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.Name)
	}
	return b.String()
}

// commonConfig returns the residue fields (goos, goarch, cpu…) that have
// one value across all results, in projection order.
func commonConfig(residues []benchproc.Key) []KeyValue {
	if len(residues) == 0 {
		return nil
	}
	varying := map[string]bool{}
	for _, f := range benchproc.NonSingularFields(residues) {
		varying[f.Name] = true
	}
	var out []KeyValue
	for _, f := range residues[0].Projection().FlattenedFields() {
		if varying[f.Name] {
			continue
		}
		if v := residues[0].Get(f); v != "" {
			out = append(out, KeyValue{f.Name, v})
		}
	}
	return out
}
