package runtimehooks

// This file's name sorts after the generated zz_gohttpdbg_build.go, and
// the go command hands a package's files to the compiler in name order, so
// this init runs after the build-time defaults were assigned.
func init() {
	Start()
	startAdmin()
}
