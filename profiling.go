package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"runtime/trace"
)

// Environment variables that make any command write profiles of itself, for
// the performance work (README, "Performance"): a CPU profile for go tool
// pprof, and an execution trace for go tool trace (the scheduler, cgo calls,
// the GC), each written when the command ends.
const (
	envCPUProfile = "RELAYSTUDIO_CPUPROFILE"
	envTrace      = "RELAYSTUDIO_TRACE"
)

// startProfiling starts what the environment asks for and returns the
// function that finishes the files. A file that cannot be made is reported
// and skipped: profiling never stops the studio.
func startProfiling(stderr io.Writer) (stop func()) {
	var stops []func()
	if path := os.Getenv(envCPUProfile); path != "" {
		if f, err := os.Create(path); err != nil {
			fmt.Fprintf(stderr, "relaystudio: %s: %v\n", envCPUProfile, err)
		} else if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "relaystudio: %s: %v\n", envCPUProfile, err)
			_ = f.Close()
		} else {
			stops = append(stops, func() { pprof.StopCPUProfile(); _ = f.Close() })
		}
	}
	if path := os.Getenv(envTrace); path != "" {
		if f, err := os.Create(path); err != nil {
			fmt.Fprintf(stderr, "relaystudio: %s: %v\n", envTrace, err)
		} else if err := trace.Start(f); err != nil {
			fmt.Fprintf(stderr, "relaystudio: %s: %v\n", envTrace, err)
			_ = f.Close()
		} else {
			stops = append(stops, func() { trace.Stop(); _ = f.Close() })
		}
	}
	return func() {
		for _, s := range stops {
			s()
		}
	}
}
