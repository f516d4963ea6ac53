package main

import (
	"context"
	"errors"
)

// cmdDaemon is `encours daemon --config FILE`.
func (m *Main) cmdDaemon(ctx context.Context, args []string) error {
	return errors.New("daemon: not built yet")
}
