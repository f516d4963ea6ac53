// Command encours runs the vendor's credit-aid programs over the
// wholesalers' exports: once (run), on a schedule (daemon), or as a check
// of the configuration (check).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	setMemoryLimit()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := NewMain().Run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
