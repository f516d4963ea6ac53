package reconcile

import (
	"fmt"
	"time"
)

// Date is a calendar date with no time and no zone. It counts days so that
// comparisons and differences are plain integer operations; the zero Date
// means "not set".
type Date int32

// day1 is the Unix time of 0001-01-01, which is Date(1).
const day1 = -62135596800

func (d Date) utc() time.Time { return time.Unix(day1+int64(d-1)*86400, 0).UTC() }

// DateOf returns the date y-m-d; out-of-range days normalise like time.Date,
// so callers validate first when that matters (see ParseISO).
func DateOf(y int, m time.Month, d int) Date {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return Date((t.Unix()-day1)/86400 + 1)
}

// DateIn returns the calendar date of t in its own location.
func DateIn(t time.Time) Date {
	y, m, d := t.Date()
	return DateOf(y, m, d)
}

// ParseISO parses "2006-01-02" strictly (2009-02-31 is an error).
func ParseISO(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a date in the form YYYY-MM-DD", s)
	}
	return DateIn(t), nil
}

// MustDate parses an ISO date and panics on error; for tests and constants.
func MustDate(s string) Date {
	d, err := ParseISO(s)
	if err != nil {
		panic(err)
	}
	return d
}

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d == 0 }

// Time returns midnight of d in loc.
func (d Date) Time(loc *time.Location) time.Time {
	y, m, dd := d.YMD()
	return time.Date(y, m, dd, 0, 0, 0, 0, loc)
}

// YMD returns the year, month and day of d.
func (d Date) YMD() (int, time.Month, int) {
	return d.utc().Date()
}

// String returns d as YYYY-MM-DD, or "" when unset.
func (d Date) String() string {
	if d == 0 {
		return ""
	}
	return d.utc().Format(time.DateOnly)
}

// FormatFR returns d as 30/06/2009.
func (d Date) FormatFR() string {
	if d == 0 {
		return ""
	}
	return d.utc().Format("02/01/2006")
}

// FormatEN returns d as 30 Jun 2009, unambiguous for every English reader.
func (d Date) FormatEN() string {
	if d == 0 {
		return ""
	}
	return d.utc().Format("2 Jan 2006")
}

// Format formats d for a language ("fr" or "en").
func (d Date) Format(lang string) string {
	if lang == "en" {
		return d.FormatEN()
	}
	return d.FormatFR()
}

// AddDays returns d moved by n days.
func (d Date) AddDays(n int) Date { return d + Date(n) }

// AddMonths moves d by n months, clamping the day to the last day of the
// target month (2009-08-31 + 6 months = 2010-02-28), unlike time.AddDate
// which would roll over into March.
func (d Date) AddMonths(n int) Date {
	y, m, dd := d.YMD()
	total := int(m) - 1 + n
	ty := y + floorDiv(total, 12)
	tm := time.Month(total - floorDiv(total, 12)*12 + 1)
	last := DateOf(ty, tm+1, 1).AddDays(-1)
	_, _, lastDay := last.YMD()
	if dd > lastDay {
		dd = lastDay
	}
	return DateOf(ty, tm, dd)
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// MarshalText writes d as YYYY-MM-DD (empty when unset).
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads YYYY-MM-DD; empty text is the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = 0
		return nil
	}
	v, err := ParseISO(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
