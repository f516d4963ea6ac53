package notify

import (
	"regexp"
	"regexp/syntax"
	"strings"

	"github.com/encours/encours/reconcile"
)

// The engine writes its reasons in English, from a handful of fixed
// phrasings; reasonFR rewrites each of them in French with the same
// figures. A phrasing it does not know leaves the whole reason in English
// rather than half translated.
var reasonFR = []phrasing{
	phrase(`^outstanding (.+) exceeds insured limit (.+) by (.+)$`,
		"encours de $1 supérieur à la limite assurée de $2 : dépassement de $3"),
	phrase(`^capped at (.+)$`, "ligne plafonnée à $1"),
	// An increase a program budget held back (spec §8.1); before the
	// plain increase, which would match it too.
	phrase(`^line raised from (.+) to (.+) instead of (.+): capped by the program budget, which had (.+) left$`,
		"ligne relevée de $1 à $2 au lieu de $3 : plafonnée par le budget du programme, où il restait $4"),
	phrase(`^not raised from (.+) to (.+): capped by the program budget, which had (.+) left$`,
		"ligne non relevée de $1 à $2 : plafonnée par le budget du programme, où il restait $3"),
	phrase(`^line raised from (.+) to (.+)$`, "ligne relevée de $1 à $2"),
	phrase(`^order (.+) of (\d{4}-\d\d-\d\d): (.+) of (.+) products \(threshold (.+)\)$`,
		"commande $1 du $2 : $3 de produits $4 (seuil $5)"),
	phrase(`^line of (.+) for 1 month$`, "ligne de $1 pour 1 mois"),
	phrase(`^line of (.+) for (\d+) months$`, "ligne de $1 pour $2 mois"),
	phrase(`^extended from (\d{4}-\d\d-\d\d) to (\d{4}-\d\d-\d\d)$`, "prolongée du $1 au $2"),
	phrase(`^ended on (\d{4}-\d\d-\d\d)$`, "échue le $1"),
	phrase(`^reseller terminated at the wholesaler$`, "revendeur radié chez le grossiste"),
	phrase(`^line revoked$`, "ligne révoquée"),
	// Why a waitlisted claim waits (spec §8.2).
	phrase(`^waitlisted$`, "en liste d'attente"),
	phrase(`^the program budget's only beneficiary place is taken$`,
		"la seule place de bénéficiaire du budget du programme est prise"),
	phrase(`^the program budget's (\d+) beneficiary places are all taken$`,
		"les $1 places de bénéficiaires du budget du programme sont toutes prises"),
	phrase(`^the program budget has (.+) left of (.+)$`, "il reste $1 sur les $2 du budget du programme"),
	phrase(`^not granted before the program opens on (\d{4}-\d\d-\d\d)$`,
		"non accordée avant l'ouverture du programme le $1"),
	phrase(`^not granted in this run: (\S+)'s accounts of this run do not list the reseller$`,
		"non accordée à ce passage : les comptes de $1 reçus à ce passage ne listent pas ce revendeur"),
}

// reasonPrefixFR are the phrasings that lead another one ("waitlisted:
// <why>", "granted from the waitlist (…): <claim>"): their French leads
// the French of what follows.
var reasonPrefixFR = []phrasing{
	phrase(`^waitlisted: (.+)$`, "en liste d'attente : "),
	phrase(`^granted from the waitlist \(rank (\d+), waiting since (\d{4}-\d\d-\d\d)\): (.+)$`,
		"accordée depuis la liste d'attente (rang $1, en attente depuis le $2) : "),
}

// phrasing is one English phrasing of the engine, anchored at both ends,
// and its French template ($1… its submatches).
type phrasing struct {
	re  *regexp.Regexp
	out string
	// lead is the literal text every match starts with: a part that does
	// not start with it is not tried (a million rows give ~300,000 parts,
	// and a regexp that fails still costs its run).
	lead string
}

func phrase(re, out string) phrasing {
	return phrasing{re: regexp.MustCompile(re), out: out, lead: literalLead(re)}
}

// literalLead is the literal text a pattern anchored with ^ starts with
// ("" when none).
func literalLead(re string) string {
	t, err := syntax.Parse(re, syntax.Perl)
	if err != nil {
		panic(err)
	}
	t = t.Simplify()
	if t.Op != syntax.OpConcat || len(t.Sub) < 2 || t.Sub[0].Op != syntax.OpBeginText ||
		t.Sub[1].Op != syntax.OpLiteral || t.Sub[1].Flags&syntax.FoldCase != 0 {
		return ""
	}
	return string(t.Sub[1].Rune)
}

// match returns the submatch indexes of p, nil when it does not match.
func (ph *phrasing) match(p string) []int {
	if !strings.HasPrefix(p, ph.lead) {
		return nil
	}
	return ph.re.FindStringSubmatchIndex(p)
}

// partFR is one "; "-separated part of a reason in French; false when no
// phrasing matches it.
func partFR(p string) (string, bool) {
	for i := range reasonPrefixFR {
		r := &reasonPrefixFR[i]
		if m := r.match(p); m != nil {
			rest, ok := partFR(p[m[len(m)-2]:m[len(m)-1]])
			if !ok {
				return "", false
			}
			return string(r.re.ExpandString(nil, r.out, p, m)) + rest, true
		}
	}
	for i := range reasonFR {
		r := &reasonFR[i]
		if m := r.match(p); m != nil {
			// The phrasing matches the whole part: its one replacement.
			return string(r.re.ExpandString(nil, r.out, p, m)), true
		}
	}
	return "", false
}

var (
	// frAmount is an amount as reconcile.Cents.String writes it.
	frAmount = regexp.MustCompile(`(-?)(\d{1,3}(?: \d{3})*),(\d\d) €`)
)

// LocalReason is a line's reason as a reader of lang expects it: in
// French for "fr"; dates, and in English amounts, written the local way.
func LocalReason(lang, reason string) string {
	lang = language(lang)
	out := reason
	if lang == "fr" {
		parts := strings.Split(reason, "; ")
		for i, p := range parts {
			fr, ok := partFR(p)
			if !ok {
				return localDates(lang, reason)
			}
			parts[i] = fr
		}
		out = strings.Join(parts, " ; ")
	}
	out = localDates(lang, out)
	if lang == "en" {
		out = enAmounts(out)
	}
	return out
}

// enAmounts rewrites "12 340,00 €" as "€12,340.00".
func enAmounts(s string) string {
	return frAmount.ReplaceAllStringFunc(s, func(a string) string {
		m := frAmount.FindStringSubmatch(a)
		units := strings.ReplaceAll(m[2], " ", "")
		var c reconcile.Cents
		for _, r := range units + m[3] {
			c = c*10 + reconcile.Cents(r-'0')
		}
		if m[1] == "-" {
			c = -c
		}
		return c.FormatEN()
	})
}

// localDates writes every ISO date of s the local way: each match of
// `\b\d{4}-\d\d-\d\d\b`, found by hand as that regexp finds them (a
// regexp pass cost a third of a reason's rewriting).
func localDates(lang, s string) string {
	var b []byte
	last := 0 // s[:last] is in b
	for i := 0; i+10 <= len(s); i++ {
		if !isoDateAt(s, i) {
			continue
		}
		d := s[i : i+10]
		var dt reconcile.Date
		if err := dt.UnmarshalText([]byte(d)); err != nil {
			i += 9
			continue
		}
		b = append(append(b, s[last:i]...), dt.Format(lang)...)
		last = i + 10
		i += 9
	}
	if b == nil {
		return s
	}
	return string(append(b, s[last:]...))
}

// isoDateAt reports whether isoDate matches s at i.
func isoDateAt(s string, i int) bool {
	if i > 0 && isWordByte(s[i-1]) || i+10 < len(s) && isWordByte(s[i+10]) {
		return false
	}
	for j, c := range []byte(s[i : i+10]) {
		if j == 4 || j == 7 {
			if c != '-' {
				return false
			}
		} else if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// isWordByte reports an ASCII word character, as \b sees them (the bytes
// of other characters are not).
func isWordByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

// LocalLines returns lines with their reasons in lang (see LocalReason);
// lines itself is not changed.
func LocalLines(lang string, lines []reconcile.ReportLine) []reconcile.ReportLine {
	out := make([]reconcile.ReportLine, len(lines))
	for i, l := range lines {
		l.Reason = LocalReason(lang, l.Reason)
		out[i] = l
	}
	return out
}
