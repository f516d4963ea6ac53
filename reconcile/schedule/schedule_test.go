package schedule

import (
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

// parser reads specs as config.ScheduleSpec does.
var parser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// wallSpec parses spec in loc, as config does, and wraps it with Wall.
func wallSpec(t *testing.T, spec string, loc *time.Location) Schedule {
	t.Helper()
	s, err := parser.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	if ss, ok := s.(*cron.SpecSchedule); ok {
		ss.Location = loc
	}
	return Wall(s, loc)
}

// at parses "2006-01-02 15:04:05 MST" in loc; the zone abbreviation
// picks the occurrence of a repeated wall time.
func at(t *testing.T, loc *time.Location, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04:05 MST", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func format(ts []time.Time, loc *time.Location) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.In(loc).Format("2006-01-02 15:04:05 MST"))
	}
	return out
}

// ticks lists the ticks of s after from and before until.
func ticks(s Schedule, from, until time.Time) []time.Time {
	var out []time.Time
	for t := s.Next(from); !t.IsZero() && t.Before(until); t = s.Next(t) {
		out = append(out, t)
		if len(out) > 10000 {
			break
		}
	}
	return out
}

func TestWallDaylightSaving(t *testing.T) {
	paris := mustZone(t, "Europe/Paris")
	newYork := mustZone(t, "America/New_York")
	tests := []struct {
		name        string
		loc         *time.Location
		spec        string
		from, until string
		want        []string
	}{
		{
			name: "spring gap: 02:30 runs once, at 03:00",
			loc:  paris, spec: "30 2 * * *",
			from: "2024-03-29 12:00:00 CET", until: "2024-04-02 00:00:00 CEST",
			want: []string{"2024-03-30 02:30:00 CET", "2024-03-31 03:00:00 CEST", "2024-04-01 02:30:00 CEST"},
		},
		{
			name: "spring gap: a Sunday weekly job still runs",
			loc:  paris, spec: "30 2 * * SUN",
			from: "2024-03-20 00:00:00 CET", until: "2024-04-08 00:00:00 CEST",
			want: []string{"2024-03-24 02:30:00 CET", "2024-03-31 03:00:00 CEST", "2024-04-07 02:30:00 CEST"},
		},
		{
			name: "spring gap: hourly collapses 02:00 into 03:00",
			loc:  paris, spec: "0 * * * *",
			from: "2024-03-31 00:30:00 CET", until: "2024-03-31 05:00:00 CEST",
			want: []string{"2024-03-31 01:00:00 CET", "2024-03-31 03:00:00 CEST", "2024-03-31 04:00:00 CEST"},
		},
		{
			name: "spring gap: seconds schedule ticks once at 03:00:00",
			loc:  paris, spec: "*/20 * * * * *",
			from: "2024-03-31 01:59:00 CET", until: "2024-03-31 03:01:00 CEST",
			want: []string{"2024-03-31 01:59:20 CET", "2024-03-31 01:59:40 CET", "2024-03-31 03:00:00 CEST",
				"2024-03-31 03:00:20 CEST", "2024-03-31 03:00:40 CEST"},
		},
		{
			name: "autumn repeat: 02:30 runs once, on its first pass",
			loc:  paris, spec: "30 2 * * *",
			from: "2024-10-26 00:00:00 CEST", until: "2024-10-29 00:00:00 CET",
			want: []string{"2024-10-26 02:30:00 CEST", "2024-10-27 02:30:00 CEST", "2024-10-28 02:30:00 CET"},
		},
		{
			name: "autumn repeat: hourly has no second 02:00",
			loc:  paris, spec: "0 * * * *",
			from: "2024-10-27 00:30:00 CEST", until: "2024-10-27 05:00:00 CET",
			want: []string{"2024-10-27 01:00:00 CEST", "2024-10-27 02:00:00 CEST", "2024-10-27 03:00:00 CET", "2024-10-27 04:00:00 CET"},
		},
		{
			name: "autumn repeat: seconds schedule is silent on the second pass",
			loc:  paris, spec: "*/20 * * * * *",
			from: "2024-10-27 02:59:00 CEST", until: "2024-10-27 03:01:00 CET",
			want: []string{"2024-10-27 02:59:20 CEST", "2024-10-27 02:59:40 CEST",
				"2024-10-27 03:00:00 CET", "2024-10-27 03:00:20 CET", "2024-10-27 03:00:40 CET"},
		},
		{
			name: "autumn repeat: started during the second pass, waits for the next day",
			loc:  paris, spec: "30 2 * * *",
			from: "2024-10-27 02:15:00 CET", until: "2024-10-29 00:00:00 CET",
			want: []string{"2024-10-28 02:30:00 CET"},
		},
		{
			name: "an ordinary week: Monday 07:00",
			loc:  paris, spec: "0 7 * * MON",
			from: "2024-03-24 00:00:00 CET", until: "2024-04-09 00:00:00 CEST",
			want: []string{"2024-03-25 07:00:00 CET", "2024-04-01 07:00:00 CEST", "2024-04-08 07:00:00 CEST"},
		},
		{
			name: "descriptor @daily across the autumn change",
			loc:  paris, spec: "@daily",
			from: "2024-10-26 12:00:00 CEST", until: "2024-10-29 00:00:01 CET",
			want: []string{"2024-10-27 00:00:00 CEST", "2024-10-28 00:00:00 CET", "2024-10-29 00:00:00 CET"},
		},
		{
			name: "another zone: New York spring gap",
			loc:  newYork, spec: "30 2 * * *",
			from: "2024-03-09 12:00:00 EST", until: "2024-03-11 12:00:00 EDT",
			want: []string{"2024-03-10 03:00:00 EDT", "2024-03-11 02:30:00 EDT"},
		},
		{
			name: "another zone: New York autumn repeat",
			loc:  newYork, spec: "30 1 * * *",
			from: "2024-11-02 12:00:00 EDT", until: "2024-11-04 12:00:00 EST",
			want: []string{"2024-11-03 01:30:00 EDT", "2024-11-04 01:30:00 EST"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := wallSpec(t, tt.spec, tt.loc)
			got := format(ticks(s, at(t, tt.loc, tt.from), at(t, tt.loc, tt.until)), tt.loc)
			if len(got) != len(tt.want) {
				t.Fatalf("ticks\n got %q\nwant %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("ticks\n got %q\nwant %q", got, tt.want)
				}
			}
		})
	}
}

// TestWallKeepsTheCallersLocation: Next answers in the zone it was asked in.
func TestWallKeepsTheCallersLocation(t *testing.T) {
	paris := mustZone(t, "Europe/Paris")
	s := wallSpec(t, "0 7 * * MON", paris)
	got := s.Next(time.Date(2024, 3, 24, 0, 0, 0, 0, time.UTC))
	if got.Location() != time.UTC || !got.Equal(at(t, paris, "2024-03-25 07:00:00 CET")) {
		t.Fatalf("Next = %v", got)
	}
}

// TestWallEvery: @every counts elapsed time and is left alone.
func TestWallEvery(t *testing.T) {
	paris := mustZone(t, "Europe/Paris")
	s, err := parser.Parse("@every 90m")
	if err != nil {
		t.Fatal(err)
	}
	if Wall(s, paris) != s {
		t.Fatal("Wall wrapped an @every schedule")
	}
}

func TestCatchUp(t *testing.T) {
	paris := mustZone(t, "Europe/Paris")
	weekly := wallSpec(t, "0 7 * * MON", paris)
	daily := wallSpec(t, "30 2 * * *", paris)
	seconds := wallSpec(t, "*/2 * * * * *", paris)
	tests := []struct {
		name      string
		s         Schedule
		last, now string // empty last: never ran
		want      string // empty: nothing to catch up
	}{
		{name: "first start ever", s: weekly, now: "2024-03-27 10:00:00 CET"},
		{name: "ran this week's tick", s: weekly, last: "2024-03-25 07:00:00 CET", now: "2024-03-27 10:00:00 CET"},
		{name: "machine down over Monday 07:00", s: weekly, last: "2024-03-25 07:00:00 CET", now: "2024-04-02 09:00:00 CEST",
			want: "2024-04-01 07:00:00 CEST"},
		{name: "three weeks down: once, for the latest", s: weekly, last: "2024-03-04 07:00:00 CET", now: "2024-03-27 10:00:00 CET",
			want: "2024-03-25 07:00:00 CET"},
		{name: "started on the tick itself", s: weekly, last: "2024-03-18 07:00:00 CET", now: "2024-03-25 07:00:00 CET",
			want: "2024-03-25 07:00:00 CET"},
		{name: "one second before the tick", s: weekly, last: "2024-03-18 07:00:00 CET", now: "2024-03-25 06:59:59 CET"},
		{name: "missed the spring gap tick", s: daily, last: "2024-03-30 02:30:00 CET", now: "2024-03-31 10:00:00 CEST",
			want: "2024-03-31 03:00:00 CEST"},
		{name: "a week down on a seconds schedule", s: seconds, last: "2024-03-18 07:00:00 CET", now: "2024-03-25 07:00:05 CET",
			want: "2024-03-25 07:00:04 CET"},
		{name: "seconds schedule, nothing missed", s: seconds, last: "2024-03-25 07:00:04 CET", now: "2024-03-25 07:00:05 CET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var last time.Time
			if tt.last != "" {
				last = at(t, paris, tt.last)
			}
			got, ok := CatchUp(tt.s, last, at(t, paris, tt.now))
			if tt.want == "" {
				if ok {
					t.Fatalf("CatchUp = %v, want nothing", got.In(paris))
				}
				return
			}
			if !ok || !got.Equal(at(t, paris, tt.want)) {
				t.Fatalf("CatchUp = %v, %v; want %s", got.In(paris), ok, tt.want)
			}
		})
	}
}
