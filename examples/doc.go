// Package examples holds small programs, one per HTTP pitfall of
// PITFALLS.md. Each starts its own servers on 127.0.0.1, does a bounded
// amount of work and exits 0; built with gohttpdbg, each produces the
// diagnostic its doc comment names. They double as end-to-end fixtures.
package examples
