package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"
)

// DefaultCancelWait is how long Run waits for a cancelled job to return
// when Scheduler.CancelWait is zero. A batch run notices cancellation only
// at its checkpoints (before the commit, at least), so a run cancelled in
// the middle of reading a large export takes a while to return.
const DefaultCancelWait = 30 * time.Second

// ErrAbandoned is returned by Run when a job cancelled at shutdown did not
// return within CancelWait.
var ErrAbandoned = errors.New("the running run did not stop after it was cancelled")

// Scheduler calls Job at each tick of Schedule. It never runs two jobs at
// once: a tick that comes while a job runs is skipped (and logged), like
// cron.SkipIfStillRunning. A job that panics is logged with its stack and
// the scheduler goes on, like cron.Recover. The zero values of the optional
// fields are safe.
type Scheduler struct {
	// Schedule gives the ticks; wrap field specs with Wall.
	Schedule Schedule
	// Job is one run for one tick. Its context outlives Run's: it is
	// cancelled only when the job overstays Grace at shutdown.
	Job func(ctx context.Context, tick time.Time) error
	// CatchUp, when not zero, is a missed tick (see CatchUp) run at once.
	CatchUp time.Time
	// Grace is how long a running job may go on after Run's context ends.
	Grace time.Duration
	// CancelWait is how long a job cancelled after Grace has to return;
	// zero means DefaultCancelWait.
	CancelWait time.Duration
	// Clock is nil for the process clock.
	Clock Clock
	Log   *slog.Logger
	// Next, when set, hears each upcoming tick as it is planned; the zero
	// time when the schedule has no further tick.
	Next func(time.Time)
	// Skipped, when set, hears each tick skipped because the previous
	// job was still running.
	Skipped func(time.Time)

	// idle, in tests, hears that Run saw the running job return.
	idle func()
}

// Run schedules until ctx ends, then stops scheduling, lets a running job
// finish within Grace, cancels it past that and waits for it to return.
// It returns nil after a clean stop, including one that had to cancel a
// job (a cancelled run commits nothing), and ErrAbandoned when a
// cancelled job would not return.
func (s *Scheduler) Run(ctx context.Context) error {
	if s.Schedule == nil || s.Job == nil {
		return errors.New("schedule: Scheduler needs a Schedule and a Job")
	}
	clock := s.clock()
	jobCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()

	// running is closed when the current job returns; nil when idle.
	var running chan struct{}
	start := func(tick time.Time) {
		done := make(chan struct{})
		running = done
		go func() {
			defer close(done)
			s.runJob(jobCtx, tick)
		}()
	}

	var last time.Time
	if !s.CatchUp.IsZero() {
		s.log().Debug("running the catch-up tick", "tick", s.CatchUp)
		start(s.CatchUp)
	}
	for {
		now := clock.Now()
		// Never plan a tick at or before the last one, even if the wall
		// clock was set back meanwhile.
		from := now
		if last.After(from) {
			from = last
		}
		next := s.Schedule.Next(from)
		if s.Next != nil {
			s.Next(next)
		}
		var timer Timer
		var fire <-chan time.Time
		if next.IsZero() {
			s.log().Warn("the schedule has no further tick: the daemon only serves until stopped")
		} else {
			timer = clock.NewTimer(next.Sub(now))
			fire = timer.C()
		}
	wait:
		for {
			select {
			case <-ctx.Done():
				if timer != nil {
					timer.Stop()
				}
				return s.stop(clock, running, cancel)
			case <-running:
				s.jobReturned(&running)
			case <-fire:
				break wait
			}
		}
		last = next
		// A job that returned as the tick fired is not still running.
		select {
		case <-running:
			s.jobReturned(&running)
		default:
		}
		if running != nil {
			s.log().Warn("skipping a tick: the previous run is still running", "tick", next)
			if s.Skipped != nil {
				s.Skipped(next)
			}
			continue
		}
		start(next)
	}
}

func (s *Scheduler) jobReturned(running *chan struct{}) {
	*running = nil
	if s.idle != nil {
		s.idle()
	}
}

// runJob runs one job; a panic is logged with its stack and goes no further.
func (s *Scheduler) runJob(ctx context.Context, tick time.Time) {
	defer func() {
		if p := recover(); p != nil {
			s.log().Error("run panicked; the daemon goes on", "tick", tick,
				"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		}
	}()
	if err := s.Job(ctx, tick); err != nil {
		s.log().Error("scheduled run failed", "tick", tick, "err", err)
	}
}

// stop waits for the running job, if any: Grace for it to finish, then
// cancels it and waits CancelWait for it to return.
func (s *Scheduler) stop(clock Clock, running <-chan struct{}, cancel context.CancelFunc) error {
	if running == nil {
		s.log().Info("stopped: no run was in progress")
		return nil
	}
	s.log().Info("stopping: letting the running run finish", "grace", s.Grace)
	grace := clock.NewTimer(s.Grace)
	select {
	case <-running:
		grace.Stop()
		s.log().Info("stopped: the running run finished")
		return nil
	case <-grace.C():
	}
	s.log().Warn("the running run did not finish within shutdown_grace: cancelling it (a cancelled run commits nothing)", "grace", s.Grace)
	cancel()
	wait := s.CancelWait
	if wait <= 0 {
		wait = DefaultCancelWait
	}
	abandon := clock.NewTimer(wait)
	select {
	case <-running:
		abandon.Stop()
		s.log().Info("stopped: the cancelled run returned")
		return nil
	case <-abandon.C():
		return fmt.Errorf("%w within %s", ErrAbandoned, wait)
	}
}

func (s *Scheduler) clock() Clock {
	if s.Clock != nil {
		return s.Clock
	}
	return SystemClock{}
}

func (s *Scheduler) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}
