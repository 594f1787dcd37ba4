package untouched

import "fmt"

// Get has the name of a rule but is not net/http's.
func Get(u string) string { return fmt.Sprint(u) }

func use() { _ = Get("x") }
