package schedule

import "time"

// Clock is time as the scheduler sees it, so that tests drive ticks and
// grace periods without waiting on real minutes.
type Clock interface {
	Now() time.Time
	NewTimer(d time.Duration) Timer
}

// Timer fires once on C after its duration, like time.Timer.
type Timer interface {
	C() <-chan time.Time
	// Stop prevents the timer from firing; false when it already fired.
	Stop() bool
}

// SystemClock is the process clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// NewTimer returns a time.Timer.
func (SystemClock) NewTimer(d time.Duration) Timer { return systemTimer{time.NewTimer(d)} }

type systemTimer struct{ t *time.Timer }

func (t systemTimer) C() <-chan time.Time { return t.t.C }
func (t systemTimer) Stop() bool          { return t.t.Stop() }
