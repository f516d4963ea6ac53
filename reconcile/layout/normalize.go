package layout

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// normalize folds a header, status word or sheet name for comparison: it
// drops accents, lowers the case and collapses every run of white space
// (including NBSP and narrow NBSP, which Excel users type without seeing)
// into one plain space, trimmed at both ends. Plain lower-case ASCII with
// single spaces is returned as is, without allocating.
func normalize(s string) string {
	if isFolded(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	var it norm.Iter
	it.InitString(norm.NFD, s)
	for !it.Done() {
		seg := it.Next()
		for len(seg) > 0 {
			r, n := utf8.DecodeRune(seg)
			seg = seg[n:]
			switch {
			case unicode.Is(unicode.Mn, r):
				// A combining accent, split off by NFD.
			case unicode.IsSpace(r):
				space = b.Len() > 0
			default:
				if space {
					b.WriteByte(' ')
					space = false
				}
				b.WriteRune(unicode.ToLower(r))
			}
		}
	}
	return b.String()
}

// isFolded reports whether normalize(s) == s: ASCII, no upper case, no
// leading, trailing or doubled space, no control white space.
func isFolded(s string) bool {
	prevSpace := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= utf8.RuneSelf, 'A' <= c && c <= 'Z', c == '\t', c == '\n', c == '\v', c == '\f', c == '\r':
			return false
		case c == ' ':
			if prevSpace {
				return false
			}
			prevSpace = true
		default:
			prevSpace = false
		}
	}
	return len(s) == 0 || !prevSpace
}

// trim removes white space (NBSP and narrow NBSP included) around s,
// without allocating.
func trim(s string) string {
	// Fast path: most cells have no surrounding space at all.
	if s == "" || (s[0] > ' ' && s[0] < utf8.RuneSelf && s[len(s)-1] > ' ' && s[len(s)-1] < utf8.RuneSelf) {
		return s
	}
	return strings.TrimFunc(s, unicode.IsSpace)
}

// isTotal reports whether a cell opens a totals row: its text starts with
// the word "total" (or "sous-total", "subtotal"), case- and
// accent-insensitively. The word must end there ("Total", "TOTAL :",
// "Totals", "Total général"), so that a reseller called "Totalgaz" is not
// mistaken for a totals row and silently dropped.
func isTotal(cell string) bool {
	c := trim(cell)
	if c == "" {
		return false
	}
	if first := c[0]; first < utf8.RuneSelf {
		switch first | 0x20 { // ASCII lower case
		case 't', 's':
		default:
			return false
		}
	}
	n := normalize(c)
	for _, p := range [...]string{"total", "sous-total", "sous total", "subtotal", "sub-total"} {
		if rest, ok := strings.CutPrefix(n, p); ok {
			rest = strings.TrimPrefix(rest, "s")
			if rest == "" {
				return true
			}
			r, _ := utf8.DecodeRuneInString(rest)
			return !unicode.IsLetter(r) && !unicode.IsDigit(r)
		}
	}
	return false
}

// Fold returns s the way headers, status words and sheet names are
// compared: without accents, in lower case, with white space (NBSP
// included) trimmed and collapsed to single spaces.
func Fold(s string) string { return normalize(s) }
