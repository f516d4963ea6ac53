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
type SystemClock struct {
	// Location, when set, is the zone Now answers in (and so the zone of
	// the ticks the scheduler plans and logs).
	Location *time.Location
}

// Now returns time.Now(), in Location when set.
func (c SystemClock) Now() time.Time {
	if c.Location != nil {
		return time.Now().In(c.Location)
	}
	return time.Now()
}

// NewTimer returns a time.Timer.
func (SystemClock) NewTimer(d time.Duration) Timer { return systemTimer{time.NewTimer(d)} }

type systemTimer struct{ t *time.Timer }

func (t systemTimer) C() <-chan time.Time { return t.t.C }
func (t systemTimer) Stop() bool          { return t.t.Stop() }
