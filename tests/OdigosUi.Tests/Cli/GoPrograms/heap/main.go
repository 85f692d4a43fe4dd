// Allocates in named functions, keeps some of it live and frees the rest, then writes a heap profile: heap OUT.
package main

import (
	"os"
	"runtime"
	"runtime/pprof"
)

var live [][]byte

// garbage makes each freed allocation escape to the heap; only the last one stays reachable until reset.
var garbage []byte

//go:noinline
func keepLive(n int) {
	for i := 0; i < n; i++ {
		live = append(live, make([]byte, 4096))
	}
}

//go:noinline
func freeLater(n int) int {
	total := 0
	for i := 0; i < n; i++ {
		garbage = make([]byte, 8192)
		total += len(garbage)
	}
	return total
}

//go:noinline
func freeSmall(n int) int {
	total := 0
	for i := 0; i < n; i++ {
		garbage = make([]byte, 512)
		total += len(garbage)
	}
	return total
}

func main() {
	// Every allocation recorded: exact counts and bytes, not sampled estimates.
	runtime.MemProfileRate = 1
	keepLive(200)
	freeLater(300)
	freeSmall(1000)
	garbage = nil
	// The heap profile publishes frees up to two cycles late: a third cycle makes the last small frees certain.
	runtime.GC()
	runtime.GC()
	runtime.GC()
	out, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	if err := pprof.Lookup("heap").WriteTo(out, 0); err != nil {
		panic(err)
	}
	if err := out.Close(); err != nil {
		panic(err)
	}
	runtime.KeepAlive(live)
}
