package schedule

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// fakeClock moves only when the test says so. Every timer it makes is also
// sent on armed, so a test knows when the scheduler is waiting.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
	armed  chan *fakeTimer
}

type fakeTimer struct {
	c       chan time.Time
	at      time.Time
	done    bool // fired or stopped
	clock   *fakeClock
	created time.Time
}

func newFakeClock(now time.Time) *fakeClock {
	return &fakeClock{now: now, armed: make(chan *fakeTimer, 100)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTimer(d time.Duration) Timer {
	c.mu.Lock()
	t := &fakeTimer{c: make(chan time.Time, 1), at: c.now.Add(d), clock: c, created: c.now}
	c.timers = append(c.timers, t)
	c.fireLocked()
	c.mu.Unlock()
	c.armed <- t
	return t
}

// set moves the clock to now (forward or back) and fires due timers.
func (c *fakeClock) set(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = now
	c.fireLocked()
}

// fire fires tm now, whatever the clock reads.
func (c *fakeClock) fire(tm *fakeTimer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !tm.done {
		tm.done = true
		tm.c <- c.now
	}
}

func (c *fakeClock) fireLocked() {
	for _, t := range c.timers {
		if !t.done && !t.at.After(c.now) {
			t.done = true
			t.c <- c.now
		}
	}
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }

func (t *fakeTimer) Stop() bool {
	t.clock.mu.Lock()
	defer t.clock.mu.Unlock()
	was := !t.done
	t.done = true
	return was
}

// wait is how long a test waits for the scheduler's goroutines to react;
// nothing waits this long unless something is broken.
const wait = 10 * time.Second

// nextTimer waits until the scheduler arms a timer and returns it.
func (c *fakeClock) nextTimer(t *testing.T) *fakeTimer {
	t.Helper()
	select {
	case tm := <-c.armed:
		return tm
	case <-time.After(wait):
		t.Fatal("the scheduler armed no timer")
		return nil
	}
}

func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wait):
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}

// harness runs a Scheduler with a fake clock on a minutely schedule
// ("0 * * * * *") in Paris from 06:59:30.
type harness struct {
	clock    *fakeClock
	s        *Scheduler
	cancel   context.CancelFunc
	result   chan error
	started  chan time.Time // ticks as jobs start
	idle     chan struct{}
	planned  chan time.Time
	paris    *time.Location
	startsAt time.Time
}

func newHarness(t *testing.T, job func(ctx context.Context, tick time.Time) error) *harness {
	t.Helper()
	paris := mustZone(t, "Europe/Paris")
	start := time.Date(2024, 3, 25, 6, 59, 30, 0, paris)
	h := &harness{
		clock: newFakeClock(start), started: make(chan time.Time, 100), idle: make(chan struct{}, 100),
		planned: make(chan time.Time, 100), paris: paris, startsAt: start, result: make(chan error, 1),
	}
	h.s = &Scheduler{
		Schedule: wallSpec(t, "0 * * * * *", paris),
		Job: func(ctx context.Context, tick time.Time) error {
			h.started <- tick
			return job(ctx, tick)
		},
		Grace: time.Minute, CancelWait: 10 * time.Second,
		Clock: h.clock,
		Next:  func(t time.Time) { h.planned <- t },
		idle:  func() { h.idle <- struct{}{} },
	}
	return h
}

func (h *harness) run() {
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.result <- h.s.Run(ctx) }()
}

func (h *harness) stop(t *testing.T) error {
	t.Helper()
	h.cancel()
	return receive(t, h.result, "Run to return")
}

func (h *harness) minute(hour, min int) time.Time {
	return time.Date(2024, 3, 25, hour, min, 0, 0, h.paris)
}

func TestSchedulerRunsEachTickOneAtATime(t *testing.T) {
	release := make(chan struct{})
	h := newHarness(t, func(ctx context.Context, tick time.Time) error {
		if tick.Minute() == 0 {
			<-release // the 07:00 run is slow
		}
		return nil
	})
	skipped := make(chan time.Time, 4)
	h.s.Skipped = func(tick time.Time) { skipped <- tick }
	h.run()

	tm := h.clock.nextTimer(t)
	if want := h.minute(7, 0); !tm.at.Equal(want) {
		t.Fatalf("first timer at %v, want %v", tm.at, want)
	}
	h.clock.set(h.minute(7, 0))
	if got := receive(t, h.started, "the 07:00 run"); !got.Equal(h.minute(7, 0)) {
		t.Fatalf("run for tick %v", got)
	}

	// 07:01 comes while 07:00 still runs: skipped, and said so.
	h.clock.nextTimer(t)
	h.clock.set(h.minute(7, 1))
	if tm := h.clock.nextTimer(t); !tm.at.Equal(h.minute(7, 2)) {
		t.Fatalf("after the skipped tick, timer at %v", tm.at)
	}
	if got := receive(t, skipped, "the skipped 07:01 tick"); !got.Equal(h.minute(7, 1)) {
		t.Fatalf("skipped tick %v, want 07:01", got)
	}
	select {
	case got := <-h.started:
		t.Fatalf("a second run started at %v while the first was running", got)
	default:
	}

	close(release)
	receive(t, h.idle, "the 07:00 run to return")
	h.clock.set(h.minute(7, 2))
	if got := receive(t, h.started, "the 07:02 run"); !got.Equal(h.minute(7, 2)) {
		t.Fatalf("run for tick %v", got)
	}
	receive(t, h.idle, "the 07:02 run to return")
	if err := h.stop(t); err != nil {
		t.Fatal(err)
	}
}

func TestSchedulerSurvivesAPanic(t *testing.T) {
	h := newHarness(t, func(ctx context.Context, tick time.Time) error {
		if tick.Minute() == 0 {
			panic("boom")
		}
		return errors.New("an ordinary failure")
	})
	h.run()
	h.clock.nextTimer(t)
	h.clock.set(h.minute(7, 0))
	receive(t, h.started, "the panicking run")
	receive(t, h.idle, "the panicking run to return")
	h.clock.nextTimer(t)
	h.clock.set(h.minute(7, 1))
	if got := receive(t, h.started, "the run after the panic"); !got.Equal(h.minute(7, 1)) {
		t.Fatalf("run for tick %v", got)
	}
	receive(t, h.idle, "the failing run to return")
	if err := h.stop(t); err != nil {
		t.Fatal(err)
	}
}

func TestSchedulerCatchUpRunsOnceAtStart(t *testing.T) {
	h := newHarness(t, func(ctx context.Context, tick time.Time) error { return nil })
	missed := time.Date(2024, 3, 18, 7, 0, 0, 0, h.paris)
	h.s.CatchUp = missed
	h.run()
	if got := receive(t, h.started, "the catch-up run"); !got.Equal(missed) {
		t.Fatalf("catch-up run for tick %v, want %v", got, missed)
	}
	receive(t, h.idle, "the catch-up run to return")
	if tm := h.clock.nextTimer(t); !tm.at.Equal(h.minute(7, 0)) {
		t.Fatalf("next timer at %v", tm.at)
	}
	select {
	case got := <-h.started:
		t.Fatalf("a second catch-up run for %v", got)
	default:
	}
	if err := h.stop(t); err != nil {
		t.Fatal(err)
	}
}

func TestSchedulerClockSetBackDoesNotRepeatATick(t *testing.T) {
	h := newHarness(t, func(ctx context.Context, tick time.Time) error { return nil })
	h.run()
	tm := h.clock.nextTimer(t)
	if got := receive(t, h.planned, "the first plan"); !got.Equal(h.minute(7, 0)) {
		t.Fatalf("planned %v", got)
	}
	// The timer counts elapsed time, but meanwhile the wall clock was set
	// back 40 seconds (NTP): it fires while the wall clock reads 06:59:20.
	h.clock.set(h.minute(7, 0).Add(-40 * time.Second))
	h.clock.fire(tm)
	receive(t, h.started, "the 07:00 run")
	if got := receive(t, h.planned, "the second plan"); !got.Equal(h.minute(7, 1)) {
		t.Fatalf("planned %v after the clock went back, want 07:01", got)
	}
	if err := h.stop(t); err != nil {
		t.Fatal(err)
	}
}

func TestSchedulerShutdown(t *testing.T) {
	t.Run("idle: returns at once", func(t *testing.T) {
		h := newHarness(t, func(ctx context.Context, tick time.Time) error { return nil })
		h.run()
		h.clock.nextTimer(t)
		if err := h.stop(t); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("a run that finishes within the grace is not cancelled", func(t *testing.T) {
		release := make(chan struct{})
		ctxErr := make(chan error, 1)
		h := newHarness(t, func(ctx context.Context, tick time.Time) error {
			<-release
			ctxErr <- ctx.Err()
			return nil
		})
		h.run()
		h.clock.nextTimer(t)
		h.clock.set(h.minute(7, 0))
		receive(t, h.started, "the run")
		h.clock.nextTimer(t) // 07:01, never reached
		h.cancel()
		grace := h.clock.nextTimer(t)
		if d := grace.at.Sub(grace.created); d != time.Minute {
			t.Fatalf("grace timer of %v", d)
		}
		select {
		case err := <-h.result:
			t.Fatalf("Run returned %v while the run was still running", err)
		default:
		}
		h.clock.set(h.minute(7, 0).Add(30 * time.Second)) // within the grace
		close(release)
		if err := receive(t, ctxErr, "the run to finish"); err != nil {
			t.Fatalf("the run's context was cancelled within the grace: %v", err)
		}
		if err := receive(t, h.result, "Run to return"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("a run past the grace is cancelled, and the stop is clean", func(t *testing.T) {
		h := newHarness(t, func(ctx context.Context, tick time.Time) error {
			<-ctx.Done()
			return ctx.Err()
		})
		h.run()
		h.clock.nextTimer(t)
		h.clock.set(h.minute(7, 0))
		receive(t, h.started, "the run")
		h.clock.nextTimer(t)
		h.cancel()
		h.clock.nextTimer(t) // grace
		h.clock.set(h.minute(7, 1))
		if err := receive(t, h.result, "Run to return"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("a run that ignores cancellation is abandoned", func(t *testing.T) {
		release := make(chan struct{})
		defer close(release)
		h := newHarness(t, func(ctx context.Context, tick time.Time) error {
			<-release
			return nil
		})
		h.run()
		h.clock.nextTimer(t)
		h.clock.set(h.minute(7, 0))
		receive(t, h.started, "the run")
		h.clock.nextTimer(t)
		h.cancel()
		h.clock.nextTimer(t) // grace
		h.clock.set(h.minute(7, 1))
		h.clock.nextTimer(t) // cancel wait
		h.clock.set(h.minute(7, 1).Add(10 * time.Second))
		if err := receive(t, h.result, "Run to return"); !errors.Is(err, ErrAbandoned) {
			t.Fatalf("Run = %v, want ErrAbandoned", err)
		}
	})
}
