package reconcile

import (
	"strconv"
	"strings"
)

// Cents is an exact amount of euro cents. Money never travels as a float.
type Cents int64

// Euros returns whole euros as cents.
func Euros(e int64) Cents { return Cents(e * 100) }

// group writes the integer part of c with sep every three digits.
func (c Cents) parts() (neg bool, units string, cents string) {
	v := int64(c)
	if v < 0 {
		neg = true
		v = -v
	}
	units = strconv.FormatInt(v/100, 10)
	cents = strconv.FormatInt(100+v%100, 10)[1:]
	return neg, units, cents
}

func groupDigits(s, sep string) string {
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	head := len(s) % 3
	if head > 0 {
		b.WriteString(s[:head])
	}
	for i := head; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteString(sep)
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// String formats c the French way, as in reasons and run.json: "12 340,00 €".
func (c Cents) String() string { return c.FormatFR() }

// FormatFR formats c as "-12 340,00 €" (plain spaces, so the text survives
// every mail client and JSON viewer).
func (c Cents) FormatFR() string {
	neg, u, ct := c.parts()
	s := groupDigits(u, " ") + "," + ct + " €"
	if neg {
		s = "-" + s
	}
	return s
}

// FormatEN formats c as "-€12,340.00".
func (c Cents) FormatEN() string {
	neg, u, ct := c.parts()
	s := "€" + groupDigits(u, ",") + "." + ct
	if neg {
		s = "-" + s
	}
	return s
}

// Format formats c for a language ("fr" or "en"; anything else is French).
func (c Cents) Format(lang string) string {
	if lang == "en" {
		return c.FormatEN()
	}
	return c.FormatFR()
}

// Float returns c in euros as a float64, only for writing spreadsheet cells
// and charts, never for computing.
func (c Cents) Float() float64 { return float64(c) / 100 }

// CeilTo rounds c up to the next multiple of step (step > 0).
func (c Cents) CeilTo(step Cents) Cents {
	if step <= 0 {
		return c
	}
	q := c / step
	if c%step != 0 && c > 0 {
		q++
	}
	return q * step
}
