package layout

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/encours/encours/reconcile"
)

// Date orders of a Layout, for dates typed as text.
const (
	DMY = "dmy"
	MDY = "mdy"
	YMD = "ymd"
)

// Limits of Excel serial dates. In the 1900 system serial 1 is 1900-01-01
// and serial 60 is 1900-02-29, a day that never existed (Lotus 1-2-3's
// leap-year bug, kept by Excel); from 61 on, serial n is 1899-12-30 + n
// days. In the 1904 system serial n is 1904-01-01 + n days.
const (
	maxSerial1900 = 2958465 // 9999-12-31
	maxSerial1904 = maxSerial1900 - 1462
)

var (
	epoch1900 = reconcile.DateOf(1899, time.December, 30)
	epoch1904 = reconcile.DateOf(1904, time.January, 1)
)

// ParseDate reads a date, with an optional time of day, from a raw cell
// value. A date without a time is 00:00 in loc (nil means UTC).
//
// Accepted:
//   - Excel serials, the raw value of a real date cell ("39994",
//     "39994.333333333336"), in the 1900 system or, when date1904, the 1904
//     system; the time of day is rounded to the nearest second, because
//     writers store 08:00 as 0.33333333333333331. Serials below 1 (a time
//     without a date), the 1900 system's phantom 1900-02-29 (serial 60) and
//     dates after 9999-12-31 are rejected;
//   - ISO "2009-06-30", "2009-06-30 08:00", "2009-06-30T08:00:00": a first
//     field of four digits is always a year, whatever the order;
//   - text in the layout's order ("dmy", "mdy", "ymd"; "" means dmy) with
//     "/", "." or "-" between the fields and a four-digit year: 30/06/2009,
//     30.06.2009, 06-30-2009, followed by an optional time HH:MM[:SS].
//
// Dates are checked strictly: 31/02/2009 is an error, not 3 March. A time
// that does not exist in loc (the hour skipped when clocks go forward) moves
// forward as time.Date does. The errors wrap ErrEmpty or ErrNotDate.
func ParseDate(s, order string, date1904 bool, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	d, sec, err := parseDate(s, order, date1904)
	if err != nil {
		return time.Time{}, err
	}
	y, m, dd := d.YMD()
	return time.Date(y, m, dd, sec/3600, sec/60%60, sec%60, 0, loc), nil
}

// ParseDay reads a calendar date like ParseDate and drops the time of day
// (an order placed 2009-03-15 23:30 is an order of 2009-03-15).
func ParseDay(s, order string, date1904 bool) (reconcile.Date, error) {
	d, _, err := parseDate(s, order, date1904)
	return d, err
}

// parseDate returns the date and the seconds since its midnight.
func parseDate(s, order string, date1904 bool) (reconcile.Date, int, error) {
	switch order {
	case DMY, MDY, YMD, "":
	default:
		return 0, 0, fmt.Errorf("date order %q: use dmy, mdy or ymd", order)
	}
	t := trim(s)
	if t == "" {
		return 0, 0, ErrEmpty
	}
	if isCanonical(t) {
		d, sec, ok := serial(t, date1904)
		if !ok {
			return 0, 0, fmt.Errorf("%q: %w (not a day Excel can hold)", s, ErrNotDate)
		}
		return d, sec, nil
	}
	d, sec, ok := textDate(t, order)
	if !ok {
		return 0, 0, fmt.Errorf("%q: %w", s, ErrNotDate)
	}
	return d, sec, nil
}

// serial converts an Excel serial. Float is fine here: the raw text is the
// shortest form of the double Excel holds, and the time is rounded to whole
// seconds, far above float64's error.
func serial(t string, date1904 bool) (reconcile.Date, int, bool) {
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(v) || v < 1 {
		return 0, 0, false
	}
	maxSerial := float64(maxSerial1900)
	if date1904 {
		maxSerial = maxSerial1904
	}
	if v >= maxSerial+1 {
		return 0, 0, false
	}
	days := math.Floor(v)
	sec := int(math.Round((v - days) * 86400))
	n := int(days)
	if sec >= 86400 {
		n++
		sec -= 86400
		if float64(n) > maxSerial {
			return 0, 0, false
		}
	}
	if date1904 {
		return epoch1904.AddDays(n), sec, true
	}
	switch {
	case n == 60:
		return 0, 0, false // 1900-02-29 does not exist
	case n < 60:
		return epoch1900.AddDays(n + 1), sec, true
	}
	return epoch1900.AddDays(n), sec, true
}

// textDate reads a typed date with an optional time.
func textDate(t, order string) (reconcile.Date, int, bool) {
	a, n1 := num(t, 4)
	if n1 == 0 || n1 >= len(t) {
		return 0, 0, false
	}
	sep := t[n1]
	if sep != '/' && sep != '.' && sep != '-' {
		return 0, 0, false
	}
	t = t[n1+1:]
	b, n2 := num(t, 2)
	if n2 == 0 || n2 >= len(t) || t[n2] != sep {
		return 0, 0, false
	}
	t = t[n2+1:]
	c, n3 := num(t, 4)
	if n3 == 0 {
		return 0, 0, false
	}
	var y, m, d int
	switch {
	case n1 == 4:
		if n3 > 2 {
			return 0, 0, false
		}
		y, m, d = a, b, c
	case order == YMD || n1 > 2 || n3 != 4:
		return 0, 0, false // two-digit years are ambiguous: refuse them
	case order == MDY:
		y, m, d = c, a, b
	default:
		y, m, d = c, b, a
	}
	sec, ok := timeOfDay(t[n3:], sep == '-' && n1 == 4)
	if !ok || y < 1900 || m < 1 || m > 12 || d < 1 || d > daysIn(y, time.Month(m)) {
		return 0, 0, false
	}
	return reconcile.DateOf(y, time.Month(m), d), sec, true
}

// timeOfDay reads "", " HH:MM" or " HH:MM:SS" (and "THH:MM…" after an ISO
// date, with optional fractional seconds and a final Z) into seconds since
// midnight.
func timeOfDay(t string, iso bool) (int, bool) {
	if t == "" {
		return 0, true
	}
	switch {
	case iso && t[0] == 'T':
		t = t[1:]
	case t[0] == ' ':
		t = trim(t)
	default:
		return 0, false
	}
	h, n := num(t, 2)
	if n == 0 || n >= len(t) || t[n] != ':' {
		return 0, false
	}
	t = t[n+1:]
	mi, n := num(t, 2)
	if n != 2 {
		return 0, false
	}
	t = t[n:]
	s := 0
	if t != "" {
		if t[0] != ':' {
			return 0, false
		}
		s, n = num(t[1:], 2)
		if n != 2 {
			return 0, false
		}
		t = t[3:]
		if iso {
			// Typed date cells (t="d") as some libraries write them:
			// "2009-06-02T00:00:00.000Z"; the fraction is dropped and the
			// time read as written, as excelize gives it.
			if t != "" && t[0] == '.' {
				_, n = num(t[1:], 9)
				if n == 0 {
					return 0, false
				}
				t = t[1+n:]
			}
			t = strings.TrimSuffix(t, "Z")
		}
		if t != "" {
			return 0, false
		}
	}
	if h > 23 || mi > 59 || s > 59 {
		return 0, false
	}
	return h*3600 + mi*60 + s, true
}

// num reads up to max leading ASCII digits of t.
func num(t string, max int) (int, int) {
	v, i := 0, 0
	for i < len(t) && i < max && '0' <= t[i] && t[i] <= '9' {
		v = v*10 + int(t[i]-'0')
		i++
	}
	if i < len(t) && i == max && '0' <= t[i] && t[i] <= '9' {
		return 0, 0 // too many digits
	}
	return v, i
}

func daysIn(y int, m time.Month) int {
	switch m {
	case time.February:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}
