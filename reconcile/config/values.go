package config

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/encours/encours/reconcile"
)

// ParseSize reads a byte size: a whole number of bytes ("1048576", "512B"),
// or a whole number with a binary unit KiB, MiB, GiB, TiB (powers of 1024) or
// a decimal unit KB, MB, GB, TB (powers of 1000, as disk makers and SI mean
// them). Units ignore case and may follow a space: "100 MiB", "1gib".
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, fmt.Errorf("%q is not a size: write bytes or a whole number with KiB, MiB or GiB, like 100MiB", s)
	}
	n, err := strconv.ParseInt(t[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is too large", s)
	}
	unit := strings.ToLower(strings.TrimSpace(t[i:]))
	mult, ok := sizeUnits[unit]
	if !ok {
		return 0, fmt.Errorf("%q has an unknown unit %q (allowed: B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)", s, t[i:])
	}
	if n > math.MaxInt64/mult {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return n * mult, nil
}

var sizeUnits = map[string]int64{
	"": 1, "b": 1,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
	"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
}

var amountRE = regexp.MustCompile(`^([0-9]+)(?:\.([0-9]+))?$`)

// errNegative marks an amount written with a minus sign.
var errNegative = errors.New("amount is negative")

// ParseEuros reads an amount in euros exactly, from its text ("5000",
// "5000.5", "5000.50"), into cents. It never goes through a float, so
// 0.1 + 0.2 stays 0.30. More than two decimals, signs, spaces, thousands
// separators and exponents are refused rather than guessed.
func ParseEuros(s string) (reconcile.Cents, error) {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "-") {
		return 0, fmt.Errorf("%q: amounts must not be negative: %w", s, errNegative)
	}
	m := amountRE.FindStringSubmatch(t)
	if m == nil {
		return 0, fmt.Errorf("%q is not an amount in euros; write it like 5000 or 5000.50 (no spaces, no thousands separator, no €)", s)
	}
	units, dec := m[1], m[2]
	if len(dec) > 2 {
		return 0, fmt.Errorf("%q has more than 2 decimals; amounts are exact to the cent", s)
	}
	units = strings.TrimLeft(units, "0")
	if len(units) > 13 {
		return 0, fmt.Errorf("%q is too large (at most 13 digits before the point)", s)
	}
	var v int64
	if units != "" {
		v, _ = strconv.ParseInt(units, 10, 64)
	}
	dec += "00"[len(dec):]
	c, _ := strconv.ParseInt(dec, 10, 64)
	return reconcile.Cents(v*100 + c), nil
}

// ParseRetention reads a retention: a number of weeks ("26w") or days
// ("90d"), or a Go duration ("720h"); "0" keeps everything.
func ParseRetention(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	for suffix, unit := range map[string]time.Duration{"w": 7 * 24 * time.Hour, "d": 24 * time.Hour} {
		if n, ok := strings.CutSuffix(t, suffix); ok {
			v, err := strconv.ParseInt(n, 10, 32)
			if err != nil || v < 0 {
				return 0, fmt.Errorf("%q is not a retention; write it like 26w, 180d or 4320h, or 0 to keep everything", s)
			}
			return time.Duration(v) * unit, nil
		}
	}
	d, err := parseDuration(t)
	if err != nil {
		return 0, fmt.Errorf("%q is not a retention; write it like 26w, 180d or 4320h, or 0 to keep everything", s)
	}
	return d, nil
}

// parseDuration reads a Go duration ("90s", "2m", "120h") that is not negative.
func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration; write it like 60s, 2m, 1h30m or 120h", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative; durations must be 0 or more", s)
	}
	return d, nil
}
