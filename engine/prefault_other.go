//go:build !linux

package engine

// prefault does nothing but on Linux (see prefault_linux.go).
func prefault[T any](s []T, n int) {}
