// Burns CPU in a few named functions and writes a CPU profile: cpu OUT SECONDS.
package main

import (
	"os"
	"runtime/pprof"
	"strconv"
	"time"
)

var sink uint64

//go:noinline
func spin(rounds int) {
	x := sink
	for i := 0; i < rounds; i++ {
		x = x*6364136223846793005 + 1442695040888963407
	}
	sink = x
}

//go:noinline
func hotLoop() { spin(3_000_000) }

//go:noinline
func warmLoop() { spin(1_000_000) }

//go:noinline
func work() {
	hotLoop()
	warmLoop()
}

func main() {
	out, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	seconds, _ := strconv.ParseFloat(os.Args[2], 64)
	if err := pprof.StartCPUProfile(out); err != nil {
		panic(err)
	}
	deadline := time.Now().Add(time.Duration(seconds * float64(time.Second)))
	for time.Now().Before(deadline) {
		work()
		spin(500_000)
	}
	pprof.StopCPUProfile()
	if err := out.Close(); err != nil {
		panic(err)
	}
}
