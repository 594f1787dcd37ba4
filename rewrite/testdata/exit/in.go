package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) > 5 {
		os.Exit(3)
	}
	fmt.Println("done")
}
