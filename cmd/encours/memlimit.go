package main

import (
	"os"
	"runtime/debug"
)

// defaultMemoryLimit is the Go heap's soft limit when GOMEMLIMIT is not
// set. Go lets the heap grow to twice what is live (GOGC=100); a run on a
// million-row export has ~300-400 MB live while it reads and decides, so
// without a limit it peaks near 800 MiB. The limit makes the GC run sooner
// near it instead (~15% more wall time at 1M rows, nothing below); it is
// soft: a larger live heap goes over it rather than failing.
const defaultMemoryLimit = 512 << 20

// commitMemoryLimit is the limit while a run writes run.json, commits and
// sends mail (batch.Runner.CommitMemoryLimit), when the default applies:
// ~250 MB is live by then, and SQLite's memory comes on top of the heap.
const commitMemoryLimit = 400 << 20

// memoryLimitDefaulted says setMemoryLimit applied defaultMemoryLimit.
var memoryLimitDefaulted bool

// setMemoryLimit applies defaultMemoryLimit unless GOMEMLIMIT says
// otherwise (GOMEMLIMIT=off removes any limit).
func setMemoryLimit() {
	if _, ok := os.LookupEnv("GOMEMLIMIT"); ok {
		return
	}
	debug.SetMemoryLimit(defaultMemoryLimit)
	memoryLimitDefaulted = true
}

// runCommitMemoryLimit is batch.Runner.CommitMemoryLimit: none when
// GOMEMLIMIT set the limit.
func runCommitMemoryLimit() int64 {
	if !memoryLimitDefaulted {
		return 0
	}
	return commitMemoryLimit
}
