package notify

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/encours/encours/reconcile"
)

func ptr[T any](v T) *T { return &v }

// flat joins a body's words with single spaces, so a check does not
// depend on where para wrapped a sentence.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

// mustHold checks that the text body holds every text (whatever the
// wrapping) and the HTML body every html.
func mustHold(t *testing.T, p parsed, text, html []string) {
	t.Helper()
	for _, w := range text {
		if !strings.Contains(flat(p.text), flat(w)) {
			t.Errorf("text lacks %q:\n%s", w, p.text)
		}
	}
	for _, w := range html {
		if !strings.Contains(p.html, w) {
			t.Errorf("html lacks %q", w)
		}
	}
}

// withWaitlist is the sample with two waitlisted resellers of its own;
// their ranks are program-wide (another wholesaler holds rank 1).
func withWaitlist(wholesaler, lang string) Summary {
	s := sample(wholesaler, lang)
	d := reconcile.MustDate
	s.Waitlist = []reconcile.WaitEntry{
		{Wholesaler: wholesaler, Program: "mezzanine", ResellerID: "C009", AmountCents: 250000, ValidUntil: d("2009-06-30"),
			Rank: 4, Since: d("2009-04-27"), Reason: "budget exhausted"},
		{Wholesaler: wholesaler, Program: "mezzanine", ResellerID: "C008", AmountCents: 120000, ValidUntil: d("2009-06-30"),
			Rank: 2, Since: d("2009-04-20"), Reason: "budget exhausted"},
	}
	s.Resellers = map[string]string{"C008": "Durand SA"}
	return s
}

func TestRenderWholesalerWaitlist(t *testing.T) {
	for _, tc := range []struct {
		lang       string
		want, html []string
	}{
		{"fr", []string{"En liste d'attente : 2, pour 3\u00a0700,00\u00a0€ demandés",
			"LISTE D'ATTENTE", "C008 · Durand SA · Programme Mezzanine · 1\u00a0200,00\u00a0€ demandés · rang 2 · en attente depuis le 20/04/2009",
			"C009 · Programme Mezzanine · 2\u00a0500,00\u00a0€ demandés · rang 4 · en attente depuis le 27/04/2009",
			"Le rang est celui de la liste du programme."},
			[]string{"Liste d'attente", "C008 · Durand SA", "<td align=\"right\" style=\"padding:6px 8px;border-bottom:1px solid #eceff3;\">2</td>",
				"1\u00a0200,00\u00a0€", "20/04/2009", "En liste d'attente : 2"}},
		{"en", []string{"Waitlisted: 2, claiming €3,700.00",
			"WAITLIST", "C008 · Durand SA · Programme Mezzanine · claims €1,200.00 · rank 2 · waitlisted since 20\u00a0Apr\u00a02009",
			"The rank is the program's waitlist rank."},
			[]string{"Waitlist", "C008 · Durand SA", "€1,200.00", "20\u00a0Apr\u00a02009", "Waitlisted: 2"}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			msgs, err := Render(withWaitlist("actebis", tc.lang), from, []string{"credit@actebis.example"}, now)
			if err != nil {
				t.Fatal(err)
			}
			p := parse(t, msgs[0].EML)
			// The HTML has the same entries, by program then rank.
			mustHold(t, p, tc.want, tc.html)
			if i, j := strings.Index(p.html, "C008"), strings.Index(p.html, "C009"); i < 0 || j < i {
				t.Errorf("html lists rank 4 before rank 2")
			}
			for i, l := range strings.Split(p.text, "\n") {
				if n := len([]rune(strings.TrimRight(l, "\r"))); n > 72 {
					t.Errorf("text line %d is %d columns: %q", i+1, n, l)
				}
				if strings.HasPrefix(l, "Écarts") || strings.HasPrefix(l, "Discrepancies:") {
					t.Errorf("the at-a-glance block lost its indent: %q", l)
				}
			}
			if tc.lang == "fr" {
				os.WriteFile("/tmp/encours-mail-waitlist-fr.html", []byte(p.html), 0o644)
				os.WriteFile("/tmp/encours-mail-waitlist-fr.txt", []byte(p.text), 0o644)
			}
		})
	}
	// Without a waitlist the email says nothing of one.
	msgs, err := Render(sample("actebis", "fr"), from, []string{"credit@actebis.example"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if p := parse(t, msgs[0].EML); strings.Contains(p.text, "attente") || strings.Contains(p.html, "attente") {
		t.Errorf("an email without waitlist mentions one")
	}
}

func TestRenderWholesalerWaitlistCapped(t *testing.T) {
	for _, tc := range []struct{ lang, more string }{
		{"fr", "… et 50 autres : voir le classeur."},
		{"en", "… and 50 more: see the workbook."},
	} {
		s := sample("actebis", tc.lang)
		for i := range maxListed + 50 {
			s.Waitlist = append(s.Waitlist, reconcile.WaitEntry{Wholesaler: "actebis", Program: "mezzanine",
				ResellerID: fmt.Sprintf("W%03d", i), AmountCents: 100, Rank: i + 1, Since: asOf})
		}
		v := buildView(s, "")
		if v.Counts.Waitlisted != maxListed+50 || len(v.Waitlist) != maxListed || v.MoreWaitlisted != 50 {
			t.Fatalf("%s: %d waitlisted, %d listed, %d more", tc.lang, v.Counts.Waitlisted, len(v.Waitlist), v.MoreWaitlisted)
		}
		msgs, err := Render(s, from, []string{"credit@actebis.example"}, now)
		if err != nil {
			t.Fatal(err)
		}
		p := parse(t, msgs[0].EML)
		for _, body := range []string{p.text, p.html} {
			if !strings.Contains(flat(body), flat(tc.more)) {
				t.Errorf("%s: body does not say how many more are waiting", tc.lang)
			}
			if strings.Contains(body, "W100") {
				t.Errorf("%s: body lists more than %d entries", tc.lang, maxListed)
			}
		}
	}
}

// A wholesaler's email carries nothing of the budget's other users: no
// other wholesaler's entry, no budget totals, no vendor-wide exposure, no
// budget warning. Each is refused as a caller's bug, never sent.
func TestIsolationBudget(t *testing.T) {
	for name, mix := range map[string]func(*Summary){
		"another wholesaler's waitlist entry": func(s *Summary) {
			s.Waitlist = append(s.Waitlist, reconcile.WaitEntry{Wholesaler: "etc", Program: "mezzanine", ResellerID: "ETC-9", Rank: 1})
		},
		"budget use": func(s *Summary) { s.Budgets = []reconcile.BudgetUse{{Program: "mezzanine", UsedCents: 1}} },
		"exposures": func(s *Summary) {
			s.Exposures = []reconcile.ResellerExposure{{SIREN: "552100554", Wholesalers: []string{"actebis"}}}
		},
		"budget warn": func(s *Summary) { s.Warnings = []string{budgetWarning} },
	} {
		s := withWaitlist("actebis", "fr")
		mix(&s)
		if _, err := Render(s, from, []string{"credit@actebis.example"}, now); !errors.Is(err, ErrForeignData) {
			t.Errorf("%s: err = %v, want ErrForeignData", name, err)
		}
	}
	// Two wholesalers sharing one budget each see only their own entries.
	a, e := withWaitlist("actebis", "fr"), withWaitlist("etc", "fr")
	e.Waitlist[0].ResellerID, e.Waitlist[1].ResellerID = "ETC-ONLY-1", "ETC-ONLY-2"
	e.Resellers = nil
	ma, err := Render(a, from, []string{"credit@actebis.example"}, now)
	if err != nil {
		t.Fatal(err)
	}
	me, err := Render(e, from, []string{"credit@etc.example"}, now)
	if err != nil {
		t.Fatal(err)
	}
	pa, pe := parse(t, ma[0].EML), parse(t, me[0].EML)
	if strings.Contains(pa.text+pa.html, "ETC-ONLY") {
		t.Error("Actebis' email holds ETC's waitlisted resellers")
	}
	if strings.Contains(pe.text+pe.html, "C008") || strings.Contains(pe.text+pe.html, "Durand") {
		t.Error("ETC's email holds Actebis' waitlisted resellers")
	}
}

// budgetWarning is the engine's own sentence for a program whose valid
// lines exceed both limits.
var budgetWarning = reconcile.BudgetWarning(&reconcile.Program{ID: "mezzanine",
	Budget: &reconcile.Budget{MaxTotal: 3000000, MaxBeneficiaries: 12}}, 4200000, 14)

func TestLocalWarning(t *testing.T) {
	amountOnly := reconcile.BudgetWarning(&reconcile.Program{ID: "oem-office",
		Budget: &reconcile.Budget{MaxTotal: 3000000}}, 4200000, 14)
	countOnly := reconcile.BudgetWarning(&reconcile.Program{ID: "m",
		Budget: &reconcile.Budget{MaxBeneficiaries: 1}}, 1500000, 3000)
	const tail = ". Rien n'est révoqué, et rien de nouveau n'est accordé tant que des lignes ne se terminent pas et ne libèrent pas de place."
	const tailEN = ". Nothing is revoked, and nothing new is granted until lines end and free room."
	for _, tc := range []struct{ lang, in, want string }{
		{"fr", budgetWarning, "Budget dépassé pour «\u00a0mezzanine\u00a0» : ses lignes en vigueur utilisent 42\u00a0000,00\u00a0€, soit 12\u00a0000,00\u00a0€ de plus que le budget (max_total 30\u00a0000,00\u00a0€) et sont au nombre de 14, soit 2 de plus que le budget (max_beneficiaries 12)" + tail},
		{"fr", amountOnly, "Budget dépassé pour «\u00a0oem-office\u00a0» : ses lignes en vigueur utilisent 42\u00a0000,00\u00a0€, soit 12\u00a0000,00\u00a0€ de plus que le budget (max_total 30\u00a0000,00\u00a0€)" + tail},
		{"fr", countOnly, "Budget dépassé pour «\u00a0m\u00a0» : ses lignes en vigueur sont au nombre de 3\u00a0000, soit 2\u00a0999 de plus que le budget (max_beneficiaries 1)" + tail},
		{"en", budgetWarning, `Budget exceeded for "mezzanine": its valid lines use €42,000.00, over max_total €30,000.00 by €12,000.00, and number 14, over max_beneficiaries 12 by 2` + tailEN},
		{"en", countOnly, `Budget exceeded for "m": its valid lines number 3,000, over max_beneficiaries 1 by 2,999` + tailEN},
		// Figures it cannot read, or a phrasing it does not know: whole, in English.
		{"fr", "budget: m: the program's valid lines use lots; nothing is revoked, and nothing new is granted until lines end and free room",
			"budget: m: the program's valid lines use lots; nothing is revoked, and nothing new is granted until lines end and free room"},
		{"fr", "techdata: no new export for 9 days", "techdata: no new export for 9 days"},
		{"en", "techdata: no new export for 9 days", "techdata: no new export for 9 days"},
		// Other warnings go through LocalProblem's table.
		{"fr", "/srv/inbox/etc/fifo is not a regular file and was left alone", "/srv/inbox/etc/fifo n'est pas un fichier ordinaire et n'a pas été touché"},
	} {
		if got := LocalWarning(tc.lang, tc.in); got != tc.want {
			t.Errorf("LocalWarning(%s, %q)\n got %q\nwant %q", tc.lang, tc.in, got, tc.want)
		}
	}
}

// managersWithBudgets is a program managers' summary of a run with two
// budgeted programs and a dozen reseller companies.
func managersWithBudgets(lang string) Summary {
	a, e := sample("actebis", lang), sample("etc", lang)
	s := Summary{
		RunID: a.RunID, AsOf: asOf, Language: lang, Vendor: "Microsoft",
		Programs: map[string]string{"mezzanine": "Programme Mezzanine", "oem-office": "Ligne OEM Office", "ms-financing": "Microsoft Financing",
			"promo": "Promo printemps"},
		Wholesalers: map[string]string{"actebis": "Actebis", "etc": "ETC"},
		Lines:       append(a.Lines, e.Lines...), Files: append(a.Files, e.Files...),
		Budgets: []reconcile.BudgetUse{
			{Program: "mezzanine", MaxTotalCents: ptr(reconcile.Cents(3000000)), UsedCents: 2850000, Beneficiaries: 11,
				Waitlisted: 3, WaitlistedCents: 1360000},
			{Program: "oem-office", UsedCents: 4200000, MaxTotalCents: ptr(reconcile.Cents(3000000)), MaxBeneficiaries: ptr(12), Beneficiaries: 14},
			{Program: "promo", UsedCents: 500000, MaxBeneficiaries: ptr(40), Beneficiaries: 1},
		},
		Warnings:   []string{budgetWarning},
		Attachment: Attachment{Name: "consolidated-2009-05-04.xlsx", Data: []byte("all")},
	}
	for i := range 12 {
		s.Exposures = append(s.Exposures, reconcile.ResellerExposure{
			SIREN: fmt.Sprintf("%09d", 100000000+i), Name: fmt.Sprintf("Société %02d", i),
			Wholesalers: []string{"etc", "actebis"}[:1+i%2], Lines: 1 + i%2, AmountCents: reconcile.Cents(100000 * (i + 1)),
		})
	}
	return s
}

func TestRenderManagersBudgets(t *testing.T) {
	for _, tc := range []struct {
		lang string
		text []string
		html []string
	}{
		{"fr", []string{"BUDGETS DES PROGRAMMES",
			"- Programme Mezzanine : 28\u00a0500,00\u00a0€ utilisés sur 30\u00a0000,00\u00a0€, reste 1\u00a0500,00\u00a0€ ; 11\u00a0bénéficiaires, sans plafond ; 3 en liste d'attente pour 13\u00a0600,00\u00a0€",
			"- Ligne OEM Office : 42\u00a0000,00\u00a0€ utilisés sur 30\u00a0000,00\u00a0€, budget dépassé de 12\u00a0000,00\u00a0€ ; 14\u00a0bénéficiaires sur 12 ; liste d'attente vide — budget épuisé",
			"- Promo printemps : 5\u00a0000,00\u00a0€ utilisés, sans plafond de montant ; 1\u00a0bénéficiaire sur 40 ; liste d'attente vide\nPLUS FORTS ENCOURS PAR REVENDEUR, TOUS GROSSISTES CONFONDUS",
			" 1. 100\u00a0000\u00a0011 · Société 11 · Actebis, ETC · 2\u00a0lignes · 12\u00a0000,00\u00a0€",
			"10. 100\u00a0000\u00a0002 · Société 02 · ETC · 1\u00a0ligne · 3\u00a0000,00\u00a0€",
			"12 revendeurs identifiés par leur SIREN au total : voir la feuille Revendeurs du classeur.",
			"- Budget dépassé pour «\u00a0Programme Mezzanine\u00a0» : ses lignes en\n  vigueur utilisent 42\u00a0000,00\u00a0€"},
			[]string{"Budgets des programmes", "sans limite", "dépassé de 12\u00a0000,00\u00a0€", "14 / 12", "3 (13\u00a0600,00\u00a0€)",
				"100\u00a0000\u00a0011", "Société 11", "Actebis, ETC", "12\u00a0000,00\u00a0€", "budget épuisé",
				"de plus que le budget (max_total 30\u00a0000,00\u00a0€)"}},
		{"en", []string{"PROGRAM BUDGETS",
			"- Programme Mezzanine: €28,500.00 used of €30,000.00, €1,500.00 left; 11\u00a0beneficiaries, no limit; 3 waitlisted, claiming €13,600.00",
			"- Ligne OEM Office: €42,000.00 used of €30,000.00, over the budget by €12,000.00; 14\u00a0beneficiaries of 12; waitlist empty — budget used up",
			"- Promo printemps: €5,000.00 used, no amount limit; 1\u00a0beneficiary of 40; waitlist empty\nLARGEST EXPOSURES PER RESELLER",
			" 1. 100\u00a0000\u00a0011 · Société 11 · Actebis, ETC · 2\u00a0lines · €12,000.00",
			"12 resellers identified by their SIREN in all",
			"- Budget exceeded for \"Programme Mezzanine\": its valid lines use\n  €42,000.00, over max_total €30,000.00"},
			[]string{"Program budgets", "no limit", "over by €12,000.00", "Largest exposures per reseller"}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			msgs, err := RenderManagers(managersWithBudgets(tc.lang), from, []string{"pm@vendor.example"}, now)
			if err != nil {
				t.Fatal(err)
			}
			p := parse(t, msgs[0].EML)
			mustHold(t, p, tc.text, tc.html)
			// Ten listed, largest first: Société 01 and 00 are left out.
			if strings.Contains(p.text, "Société 01") || strings.Contains(p.html, "Société 00") {
				t.Errorf("more than the top %d exposures listed", maxExposures)
			}
			if i, j := strings.Index(p.html, "Société 11"), strings.Index(p.html, "Société 10"); i < 0 || j < i {
				t.Errorf("exposures not largest first")
			}
			for i, l := range strings.Split(p.text, "\n") {
				if n := len([]rune(strings.TrimRight(l, "\r"))); n > 72 {
					t.Errorf("text line %d is %d columns: %q", i+1, n, l)
				}
			}
			if tc.lang == "fr" {
				os.WriteFile("/tmp/encours-mail-managers-budget-fr.html", []byte(p.html), 0o644)
				os.WriteFile("/tmp/encours-mail-managers-budget-fr.txt", []byte(p.text), 0o644)
			}
		})
	}
	// Without budgets and SIRENs, neither section.
	s := managersWithBudgets("fr")
	s.Budgets, s.Exposures, s.Warnings = nil, nil, nil
	msgs, err := RenderManagers(s, from, []string{"pm@vendor.example"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if p := parse(t, msgs[0].EML); strings.Contains(p.text, "BUDGETS") || strings.Contains(p.html, "SIREN") {
		t.Errorf("an email without budgets shows a budget section")
	}
}

func TestTopExposures(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	all := make([]reconcile.ResellerExposure, 5000)
	for i := range all {
		all[i] = reconcile.ResellerExposure{SIREN: fmt.Sprintf("%09d", r.IntN(1e9)), AmountCents: reconcile.Cents(r.IntN(50) * 1000)}
	}
	want := slices.Clone(all)
	slices.SortFunc(want, func(a, b reconcile.ResellerExposure) int {
		return cmp.Or(cmp.Compare(b.AmountCents, a.AmountCents), cmp.Compare(a.SIREN, b.SIREN))
	})
	for _, n := range []int{1, 10, 100} {
		if got := topExposures(all, n); !slices.EqualFunc(got, want[:n], func(a, b reconcile.ResellerExposure) bool {
			return a.SIREN == b.SIREN && a.AmountCents == b.AmountCents
		}) {
			t.Errorf("top %d = %v, want %v", n, got, want[:n])
		}
	}
	if got := topExposures(all[:3], 10); len(got) != 3 {
		t.Errorf("top 10 of 3 = %d entries", len(got))
	}
}

func TestRenderInvalidSIREN(t *testing.T) {
	for lang, want := range map[string]string{
		"fr": "Client C001 : le SIREN de votre export n'est pas valide (il faut 9 chiffres, dont le dernier est une clé de contrôle) ; la ligne a été prise en compte sans SIREN. Corrigez le SIREN dans votre système : le prochain export le portera.",
		"en": "Reseller C001: the SIREN in your export is not valid (it must be 9 digits, the last one a check digit); the row was taken into account without it. Correct the SIREN in your system: the next export will carry it.",
	} {
		s := sample("actebis", lang)
		s.Discrepancies = []reconcile.Discrepancy{{Wholesaler: "actebis", Kind: reconcile.InvalidSIREN, ResellerID: "C001"}}
		msgs, err := Render(s, from, []string{"credit@actebis.example"}, now)
		if err != nil {
			t.Fatal(err)
		}
		p := parse(t, msgs[0].EML)
		if !strings.Contains(flat(p.text), flat(want)) {
			t.Errorf("%s text lacks the invalid SIREN's explanation:\n%s", lang, p.text)
		}
		if !strings.Contains(flat(p.html), "C001</strong>") || !strings.Contains(p.html, "SIREN") {
			t.Errorf("%s html lacks the invalid SIREN's explanation", lang)
		}
	}
}
