package layout

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/encours/encours/reconcile"
)

// Errors of ParseAmount and ParseDate, for errors.Is; the returned errors
// wrap them with the text that was read.
var (
	// ErrEmpty is an empty cell where a value is required.
	ErrEmpty = errors.New("empty")
	// ErrNotAmount is text that cannot be read as an amount of euros.
	ErrNotAmount = errors.New("not an amount")
	// ErrAmountTooLarge is an amount above MaxAmount.
	ErrAmountTooLarge = errors.New("amount too large")
	// ErrNotDate is text that cannot be read as a date.
	ErrNotDate = errors.New("not a date")
)

// MaxAmount is the largest amount read from an export, 10^13 €: anything
// bigger is a misplaced column or a typing accident, and keeping amounts this
// small leaves int64 cents far from overflow when they are summed.
const MaxAmount = reconcile.Cents(1e15)

// Decimal separators of a Layout.
const (
	DecimalComma = "comma"
	DecimalPoint = "point"
)

// ParseAmount reads an amount of euros from a raw cell value and rounds it
// half away from zero to whole cents, exactly (decimal digits are never
// converted through float64).
//
// A raw value in the canonical form Excel stores numbers in ("5000.5",
// "-12", "1.2E+3") is a number. Otherwise it is text written per decimal,
// "comma" (5 000,00) or "point" (5,000.00), "" meaning comma: the
// separator of the other role and space, NBSP (U+00A0), narrow NBSP (U+202F)
// and apostrophes group thousands, by groups of three digits; "€" or "EUR"
// may stand before or after; a leading or trailing "-", or parentheses
// around the whole, make it negative.
//
// The raw value alone does not say whether the cell was a number, so one
// form is ambiguous: in a comma layout, a value like "1.234" or
// "12.345.678" (1 to 3 digits not starting with 0, then groups of a dot and
// three digits) is read as text with dot thousands, 1 234,00 €, not as the
// number 1,234. The sheet readers know the cell's type and pass
// DecimalPoint for a number cell, so this only decides for text cells and
// sources that do not tell.
//
// Rejected: empty text (ErrEmpty), anything else than the above such as
// "12,5 %" or "1,234.56" in a comma layout (ErrNotAmount), and amounts over
// MaxAmount (ErrAmountTooLarge).
func ParseAmount(s string, decimal string) (reconcile.Cents, error) {
	var dec byte
	switch decimal {
	case DecimalComma, "":
		dec = ','
	case DecimalPoint:
		dec = '.'
	default:
		return 0, fmt.Errorf("decimal separator %q: use comma or point", decimal)
	}
	t := trim(s)
	if t == "" {
		return 0, ErrEmpty
	}
	var buf [64]byte
	if isCanonical(t) && (dec == '.' || !isDotThousands(t)) {
		c, err := canonicalCents(t, buf[:0])
		if err != nil {
			return 0, wrapAmount(s, err)
		}
		return c, nil
	}
	c, err := textCents(t, dec, buf[:0])
	if err != nil {
		return 0, wrapAmount(s, err)
	}
	return c, nil
}

func wrapAmount(s string, err error) error {
	return fmt.Errorf("%q: %w", s, err)
}

// isCanonical reports whether s matches ^-?\d+(\.\d+)?([eE][+-]?\d+)?$, the
// way Excel writes numbers in its XML.
func isCanonical(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	n := digits(s[i:])
	if n == 0 {
		return false
	}
	i += n
	if i < len(s) && s[i] == '.' {
		i++
		n = digits(s[i:])
		if n == 0 {
			return false
		}
		i += n
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		n = digits(s[i:])
		if n == 0 {
			return false
		}
		i += n
	}
	return i == len(s)
}

// isDotThousands reports whether s matches ^-?[1-9]\d{0,2}(\.\d{3})+$.
func isDotThousands(s string) bool {
	if s != "" && s[0] == '-' {
		s = s[1:]
	}
	n := digits(s)
	if n == 0 || n > 3 || s[0] == '0' || n == len(s) {
		return false
	}
	s = s[n:]
	for s != "" {
		if len(s) < 4 || s[0] != '.' || digits(s[1:4]) != 3 {
			return false
		}
		s = s[4:]
	}
	return true
}

// digits counts the leading ASCII digits of s.
func digits(s string) int {
	i := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	return i
}

// canonicalCents converts a canonical number to cents.
func canonicalCents(s string, buf []byte) (reconcile.Cents, error) {
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	point := -1
	exp := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '.' {
			point = len(buf)
			continue
		}
		if c == 'e' || c == 'E' {
			e, ok := atoiBounded(s[i+1:])
			if !ok {
				// An exponent beyond ±99999 is either 0 or far too large.
				if s[i+1] == '-' {
					return 0, nil
				}
				return 0, ErrAmountTooLarge
			}
			exp = e
			break
		}
		if len(buf) == cap(buf) {
			return 0, ErrNotAmount
		}
		buf = append(buf, c)
	}
	if point < 0 {
		point = len(buf)
	}
	buf, point = stripZeros(buf, point)
	return centsOf(buf, point+exp, neg)
}

// stripZeros drops the leading zeros of the digits d whose decimal point
// stands after point digits.
func stripZeros(d []byte, point int) ([]byte, int) {
	for len(d) > 0 && d[0] == '0' {
		d = d[1:]
		point--
	}
	return d, point
}

// atoiBounded parses an optionally signed exponent up to ±99999.
func atoiBounded(s string) (int, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	if len(s) > 5 {
		return 0, false
	}
	v := 0
	for i := 0; i < len(s); i++ {
		v = v*10 + int(s[i]-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

// centsOf rounds the value 0.d1d2d3… × 10^point (d = digits, no leading
// zero) half away from zero to cents.
func centsOf(d []byte, point int, neg bool) (reconcile.Cents, error) {
	if len(d) == 0 {
		return 0, nil
	}
	cut := point + 2 // digits that make whole cents
	if cut > 16 {
		return 0, ErrAmountTooLarge
	}
	var v int64
	for i := 0; i < cut; i++ {
		v *= 10
		if i < len(d) {
			v += int64(d[i] - '0')
		}
	}
	if cut >= 0 && cut < len(d) && d[cut] >= '5' {
		v++
	}
	if v > int64(MaxAmount) {
		return 0, ErrAmountTooLarge
	}
	if neg {
		v = -v
	}
	return reconcile.Cents(v), nil
}

// textCents reads an amount typed as text; t is trimmed and not empty.
func textCents(t string, dec byte, buf []byte) (reconcile.Cents, error) {
	t, _ = stripCurrency(t)
	neg := false
	// Parentheses around the whole mean negative, as accountants write.
	if len(t) >= 2 && t[0] == '(' && t[len(t)-1] == ')' {
		neg = true
		t, _ = stripCurrency(trim(t[1 : len(t)-1]))
	}
	if s, ok := cutSign(t); ok {
		if neg {
			return 0, ErrNotAmount
		}
		neg = true
		t, _ = stripCurrency(s)
	} else if t != "" && t[0] == '+' {
		t, _ = stripCurrency(trim(t[1:]))
	}
	if t == "" {
		return 0, ErrNotAmount
	}
	var (
		groups = 0  // thousands separators seen
		run    = 0  // digits since the last separator
		point  = -1 // digits before the decimal separator, once seen
	)
	for i := 0; i < len(t); {
		c := t[i]
		switch {
		case '0' <= c && c <= '9':
			if len(buf) == cap(buf) {
				return 0, ErrNotAmount
			}
			buf = append(buf, c)
			run++
			i++
		case c == dec:
			if point >= 0 || (groups > 0 && run != 3) {
				return 0, ErrNotAmount
			}
			point = len(buf)
			run = 0
			i++
		default:
			n := thousandsSep(t[i:], dec)
			if n == 0 || point >= 0 || run == 0 || (groups == 0 && (run > 3 || buf[0] == '0')) || (groups > 0 && run != 3) {
				return 0, ErrNotAmount
			}
			groups++
			run = 0
			i += n
		}
	}
	if point < 0 {
		if run == 0 || (groups > 0 && run != 3) {
			return 0, ErrNotAmount
		}
		point = len(buf)
	}
	if len(buf) == 0 {
		return 0, ErrNotAmount
	}
	buf, point = stripZeros(buf, point)
	return centsOf(buf, point, neg)
}

// thousandsSep returns the byte length of a thousands separator at the
// start of s (0 when there is none): the separator of the other role, a
// space, NBSP, narrow NBSP, thin space or an apostrophe.
func thousandsSep(s string, dec byte) int {
	c := s[0]
	switch {
	case c == ' ' || c == '\'':
		return 1
	case c == '.' && dec == ',', c == ',' && dec == '.':
		return 1
	case c < utf8.RuneSelf:
		return 0
	}
	r, n := utf8.DecodeRuneInString(s)
	switch r {
	case '\u00a0', '\u202f', '\u2009', '\u2019':
		return n
	}
	return 0
}

// stripCurrency removes "€" or "EUR" at either end of t.
func stripCurrency(t string) (string, bool) {
	switch {
	case len(t) >= 3 && t[len(t)-3:] == "€":
		return trim(t[:len(t)-3]), true
	case len(t) >= 3 && t[:3] == "€":
		return trim(t[3:]), true
	case len(t) >= 3 && equalFoldASCII(t[len(t)-3:], "eur"):
		return trim(t[:len(t)-3]), true
	case len(t) >= 3 && equalFoldASCII(t[:3], "eur"):
		return trim(t[3:]), true
	}
	return t, false
}

// cutSign removes a minus sign (ASCII or U+2212) at the start or the end
// of t ("-12", "12-" as some accounting systems export).
func cutSign(t string) (string, bool) {
	for _, m := range [...]string{"-", "\u2212"} {
		if len(t) > len(m) && t[:len(m)] == m {
			return trim(t[len(m):]), true
		}
		if len(t) > len(m) && t[len(t)-len(m):] == m {
			return trim(t[:len(t)-len(m)]), true
		}
	}
	return t, false
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if a[i]|0x20 != b[i]|0x20 {
			return false
		}
	}
	return true
}
