package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/term"
)

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// progress draws one self-erasing status line on a terminal, at most ten
// times a second; it is only wired when stderr is a terminal.
type progress struct {
	mu   sync.Mutex
	w    io.Writer
	last time.Time
}

func (p *progress) update(phase string, done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if now.Sub(p.last) < 100*time.Millisecond && done != total {
		return
	}
	p.last = now
	if total > 1 {
		fmt.Fprintf(p.w, "\r\033[K%s (%d/%d)", phase, done, total)
	} else {
		fmt.Fprintf(p.w, "\r\033[K%s", phase)
	}
}

func (p *progress) clear() { fmt.Fprint(p.w, "\r\033[K") }
