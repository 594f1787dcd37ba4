package benchcmp

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/perf/benchunit"
)

// WriteText renders the report as benchstat does: the shared configuration,
// then per package and unit a table with a column group per variant
// (center ± interval, and for the treatments the delta against the baseline
// with its p-value, "~" when the difference is not significant), a row per
// benchmark and a geomean row. Warnings follow each table.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, kv := range r.Config {
		fmt.Fprintf(&b, "%s: %s\n", kv.Key, kv.Value)
	}
	for i, t := range r.Tables {
		if i > 0 || len(r.Config) > 0 {
			b.WriteString("\n")
		}
		if t.Pkg != "" && (i == 0 || r.Tables[i-1].Pkg != t.Pkg) {
			fmt.Fprintf(&b, "pkg: %s\n", t.Pkg)
		}
		r.writeTable(&b, t)
	}
	for _, s := range r.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", s)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *Report) writeTable(b *strings.Builder, t *Table) {
	cls := benchunit.ClassOf(t.Unit)
	// Columns: name, then per variant: value, range; and for treatments
	// also delta, comparison.
	var grid [][]string
	head1 := []string{""}
	head2 := []string{""}
	for vi, v := range r.Variants {
		head1 = append(head1, v, "")
		head2 = append(head2, t.Unit, "")
		if vi > 0 {
			head1 = append(head1, "", "")
			head2 = append(head2, "vs base", "")
		}
	}
	grid = append(grid, head1, head2)

	// Identical warnings share one footnote, as in benchstat.
	var notes []string
	noteIndex := map[string]int{}
	note := func(ws []string) string {
		var marks []string
		for _, w := range ws {
			i, ok := noteIndex[w]
			if !ok {
				notes = append(notes, w)
				i = len(notes)
				noteIndex[w] = i
			}
			marks = append(marks, fmt.Sprintf("(%d)", i))
		}
		if len(marks) == 0 {
			return ""
		}
		return " " + strings.Join(marks, "")
	}
	rows := t.Rows
	if t.Geomean != nil {
		rows = append(append([]*Row(nil), rows...), t.Geomean)
	}
	for ri, row := range rows {
		isGeo := t.Geomean != nil && ri == len(rows)-1
		var centers []float64
		for _, c := range row.Cells {
			if c != nil {
				centers = append(centers, c.Center)
			}
		}
		scale := benchunit.CommonScale(centers, cls)
		line := []string{row.Name}
		for vi, c := range row.Cells {
			if c == nil {
				line = append(line, "", "")
				if vi > 0 {
					line = append(line, "", "")
				}
				continue
			}
			// The geomean has no interval; its value still lines up
			// with the centers above it.
			val, rng := scale.Format(c.Center)+"  ", ""
			if !isGeo {
				val = scale.Format(c.Center) + " ±"
				rng = c.Range
			}
			if vi == 0 {
				line = append(line, val, rng+note(c.Warnings))
				continue
			}
			delta, cmp := "?", ""
			if c.Delta != nil {
				delta = fmt.Sprintf("%+.2f%%", 100**c.Delta)
			}
			if !c.Significant {
				delta = "~"
			}
			if c.Cmp != "" {
				cmp = "(" + c.Cmp + ")"
			}
			line = append(line, val, rng, delta, cmp+note(c.Warnings))
		}
		grid = append(grid, line)
	}
	writeGrid(b, grid)
	for i, n := range notes {
		fmt.Fprintf(b, "(%d) %s\n", i+1, n)
	}
}

// writeGrid left-aligns the first column and right-aligns the others,
// except the range and comparison columns, which read left to right.
func writeGrid(b *strings.Builder, grid [][]string) {
	var width []int
	for _, row := range grid {
		for i, s := range row {
			if i >= len(width) {
				width = append(width, 0)
			}
			if n := utf8.RuneCountInString(s); n > width[i] {
				width[i] = n
			}
		}
	}
	for ri, row := range grid {
		var line strings.Builder
		for i, s := range row {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(s))
			kind := columnKind(i)
			leftAligned := i == 0 || ri < 2 || kind == kindRange || kind == kindCmp
			switch {
			case i == 0:
			case kind == kindValue:
				line.WriteString("   ")
			case kind == kindDelta:
				line.WriteString("  ")
			default:
				line.WriteString(" ")
			}
			if leftAligned {
				line.WriteString(s + pad)
			} else {
				line.WriteString(pad + s)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteString("\n")
	}
}

const (
	kindValue = iota
	kindRange
	kindDelta
	kindCmp
)

// columnKind maps a grid column (after the name) to what it shows: the
// baseline has value and range, each treatment value, range, delta, cmp.
func columnKind(i int) int {
	i-- // skip the name
	if i < 2 {
		return i
	}
	return (i - 2) % 4
}
