// Package schedule decides when the daemon runs: a cron schedule read on
// the wall clock of the configured zone (each wall-clock tick exactly once,
// daylight saving included), the catch-up of ticks missed while the process
// was down, and a loop that runs one job per tick, never two at once.
package schedule

import (
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule gives ticks: Next returns the first tick strictly after t, or
// the zero time when there is none. Every cron.Schedule is one.
type Schedule interface {
	Next(t time.Time) time.Time
}

// maxSkips bounds the ticks Next passes over inside an autumn repeated
// hour: one per second of that hour, with room to spare.
const maxSkips = 1 << 16

// Wall returns s read on the wall clock of loc, so that every wall-clock
// date and time the spec names gives exactly one tick:
//
//   - A time inside the spring-forward gap (02:30 on the last Sunday of
//     March in Europe/Paris, which the clocks skip) ticks once, at the
//     first instant after the gap (03:00 CEST). Every tick of the gap
//     collapses into that one, together with a tick at 03:00 itself.
//   - A time inside the autumn repeated hour (02:30 on the last Sunday of
//     October, which the clocks show twice) ticks once, on its first
//     occurrence (02:30 CEST); the second pass of the hour (CET) has no
//     tick at all, even for schedules that tick every minute or second.
//
// robfig/cron alone skips the first and runs the second twice. Schedules
// that are not field specs (@every) count elapsed time, know no wall clock,
// and come back unchanged.
func Wall(s Schedule, loc *time.Location) Schedule {
	spec, ok := s.(*cron.SpecSchedule)
	if !ok || loc == nil {
		return s
	}
	utc := *spec
	utc.Location = time.UTC
	return &wallSchedule{fields: &utc, loc: loc}
}

// wallSchedule runs the fields on wall-clock times written as UTC, where no
// hour is missing or repeated, and maps each match back to an instant of loc.
type wallSchedule struct {
	fields *cron.SpecSchedule
	loc    *time.Location
}

// Next returns the first tick strictly after t, in t's location; the zero
// time when the fields never match again.
func (w *wallSchedule) Next(t time.Time) time.Time {
	wall := wallClock(t, w.loc)
	for range maxSkips {
		wall = w.fields.Next(wall)
		if wall.IsZero() {
			return time.Time{}
		}
		// Inside the second pass of a repeated hour the first occurrence
		// of this wall time is already past: it ticked then, so go on.
		if at := firstInstant(wall, w.loc); at.After(t) {
			return at.In(t.Location())
		}
	}
	return time.Time{}
}

// wallClock writes the wall-clock reading of t in loc as a UTC time.
func wallClock(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), time.UTC)
}

// firstInstant is the earliest instant of loc whose wall clock reads wall
// (written as UTC); for a reading that falls in a gap, the first instant
// after the gap.
func firstInstant(wall time.Time, loc *time.Location) time.Time {
	guess := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), wall.Nanosecond(), loc)
	if got := wallClock(guess, loc); !got.Equal(wall) {
		// The reading does not exist. time.Date moved it across the gap
		// one way or the other; the gap ends where guess's zone period
		// starts (moved forward) or where it ends (moved back).
		start, end := guess.ZoneBounds()
		if got.After(wall) {
			return start
		}
		return end
	}
	// The reading exists once or, in a repeated hour, twice: try the
	// offsets of the zone periods on either side of guess's.
	first := guess
	start, end := guess.ZoneBounds()
	var neighbours []time.Time
	if !start.IsZero() {
		neighbours = append(neighbours, start.Add(-time.Nanosecond))
	}
	if !end.IsZero() {
		neighbours = append(neighbours, end)
	}
	for _, n := range neighbours {
		_, offset := n.Zone()
		at := wall.Add(-time.Duration(offset) * time.Second).In(loc)
		if wallClock(at, loc).Equal(wall) && at.Before(first) {
			first = at
		}
	}
	return first
}

// CatchUp decides what a daemon starting at now owes for the time it was
// down. last is the last tick that ran (zero when none is known). When s
// ticked after last and at or before now, CatchUp returns the latest such
// tick and true: the daemon runs once for it, however many ticks it
// missed. Otherwise it returns false and the daemon waits for the next tick.
func CatchUp(s Schedule, last, now time.Time) (time.Time, bool) {
	if last.IsZero() {
		return time.Time{}, false
	}
	first := s.Next(last)
	if first.IsZero() || first.After(now) {
		return time.Time{}, false
	}
	// Walking every tick from last could take millions of steps for a
	// seconds schedule after a week down; gallop back from now instead to
	// a window that holds a tick, then walk the few ticks inside it.
	from := last
	for d := time.Second; d < now.Sub(last); d *= 2 {
		if t := s.Next(now.Add(-d)); !t.IsZero() && !t.After(now) {
			from = now.Add(-d)
			break
		}
	}
	tick := s.Next(from)
	for {
		n := s.Next(tick)
		if n.IsZero() || n.After(now) {
			return tick, true
		}
		tick = n
	}
}
