package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/encours/encours/reconcile"
)

var ids = []string{"actebis", "etc", "tech-data"}

func TestParseRules(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want reconcile.Program
	}{
		{"block style, amounts with decimals and quotes", `
programs:
  - id: mezzanine
    name: "  Programme Mezzanine "
    kind: credit_top_up
    wholesalers:
      - actebis
      - etc
    from: 2009-03-02
    until: "2009-03-02"
    max_amount: "5000.5"
    round_up_to: 0.30
`, reconcile.Program{ID: "mezzanine", Name: "Programme Mezzanine", Kind: reconcile.CreditTopUp,
			Wholesalers: []string{"actebis", "etc"}, From: reconcile.MustDate("2009-03-02"), Until: reconcile.MustDate("2009-03-02"),
			MaxAmount: 500050, RoundUpTo: 30}},
		{"order line with window, min 0 default", `
programs:
  - {id: oem, name: OEM, kind: order_triggered_line, wholesalers: "*", amount: 0.01, duration_months: 1,
     trigger: {product_contains: Office}, from: 2009-01-01, until: 2009-12-31}
`, reconcile.Program{ID: "oem", Name: "OEM", Kind: reconcile.OrderTriggeredLine, Wholesalers: []string{"*"},
			Amount: 1, DurationMonths: 1, Trigger: reconcile.Trigger{ProductContains: []string{"Office"}},
			From: reconcile.MustDate("2009-01-01"), Until: reconcile.MustDate("2009-12-31")}},
		{"financing default hours", `
programs:
  - {id: fin, name: Fin, kind: financing_sla, wholesalers: [tech-data], payment_values: [MS Financing, Financement Microsoft]}
`, reconcile.Program{ID: "fin", Name: "Fin", Kind: reconcile.FinancingSLA, Wholesalers: []string{"tech-data"},
			PaymentValues: []string{"MS Financing", "Financement Microsoft"}, MaxHours: 48}},
		{"top-up with both budget limits", `
programs:
  - {id: mezzanine, name: M, kind: credit_top_up, wholesalers: [actebis], from: 2009-03-02, until: 2009-06-30,
     max_amount: 5000, budget: {max_total: 30000.50, max_beneficiaries: 12}}
`, reconcile.Program{ID: "mezzanine", Name: "M", Kind: reconcile.CreditTopUp, Wholesalers: []string{"actebis"},
			From: reconcile.MustDate("2009-03-02"), Until: reconcile.MustDate("2009-06-30"), MaxAmount: 500000, RoundUpTo: 10000,
			Budget: &reconcile.Budget{MaxTotal: 3000050, MaxBeneficiaries: 12}}},
		{"order line with max_total only", `
programs:
  - id: oem
    name: OEM
    kind: order_triggered_line
    wholesalers: [etc]
    amount: 5000
    duration_months: 6
    trigger: {category: [OEM]}
    budget:
      max_total: "20000"
`, reconcile.Program{ID: "oem", Name: "OEM", Kind: reconcile.OrderTriggeredLine, Wholesalers: []string{"etc"},
			Amount: 500000, DurationMonths: 6, Trigger: reconcile.Trigger{Category: []string{"OEM"}},
			Budget: &reconcile.Budget{MaxTotal: 2000000}}},
		{"max_beneficiaries only, empty budget key is no budget", `
programs:
  - {id: oem, name: OEM, kind: order_triggered_line, wholesalers: [etc], amount: 5000, duration_months: 6,
     trigger: {category: [OEM]}, budget: {max_beneficiaries: 3}}
`, reconcile.Program{ID: "oem", Name: "OEM", Kind: reconcile.OrderTriggeredLine, Wholesalers: []string{"etc"},
			Amount: 500000, DurationMonths: 6, Trigger: reconcile.Trigger{Category: []string{"OEM"}},
			Budget: &reconcile.Budget{MaxBeneficiaries: 3}}},
		{"budget: with no value is no budget", `
programs:
  - {id: oem, name: OEM, kind: order_triggered_line, wholesalers: [etc], amount: 5000, duration_months: 6,
     trigger: {category: [OEM]}, budget: }
`, reconcile.Program{ID: "oem", Name: "OEM", Kind: reconcile.OrderTriggeredLine, Wholesalers: []string{"etc"},
			Amount: 500000, DurationMonths: 6, Trigger: reconcile.Trigger{Category: []string{"OEM"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRules(strings.NewReader(tt.yaml), "rules.yaml", ids)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || !reflect.DeepEqual(got[0], tt.want) {
				t.Errorf("got\n%#v\nwant\n%#v", got, tt.want)
			}
		})
	}

	for _, empty := range []string{"", "programs: []\n", "# nothing yet\nprograms:\n"} {
		got, err := ParseRules(strings.NewReader(empty), "rules.yaml", ids)
		if err != nil || len(got) != 0 {
			t.Errorf("%q: %v, %v", empty, got, err)
		}
	}
}

func TestParseRulesErrors(t *testing.T) {
	const top = `{id: m, name: M, kind: credit_top_up, wholesalers: [actebis], from: 2009-03-02, until: 2009-06-30, max_amount: 5000`
	const otl = `{id: o, name: O, kind: order_triggered_line, wholesalers: [etc], amount: 5000, duration_months: 6`
	const trig = `trigger: {category: [OEM], min_order_amount: 1000}`
	const fin = `{id: f, name: F, kind: financing_sla, wholesalers: ["*"], payment_values: [MF]`
	tests := []struct {
		name    string
		program string
		want    []string
	}{
		{"unknown kind", `{id: m, name: M, kind: cashback, wholesalers: [actebis]}`,
			[]string{"rules.yaml: programs[0].kind: unknown kind \"cashback\" (allowed: credit_top_up, order_triggered_line, financing_sla)"}},
		{"missing kind", `{id: m, name: M, wholesalers: [actebis]}`, []string{"programs[0].kind: is missing (allowed: credit_top_up"}},
		{"missing id", `{name: M, kind: financing_sla, wholesalers: [actebis], payment_values: [x]}`, []string{"programs[0].id: is missing"}},
		{"bad id", `{id: Mezz_1, name: M, kind: financing_sla, wholesalers: [actebis], payment_values: [x]}`, []string{"programs[0].id: \"Mezz_1\" is not a valid id"}},
		{"missing name", `{id: m, name: " ", kind: financing_sla, wholesalers: [actebis], payment_values: [x]}`, []string{"programs[0].name: is missing"}},
		{"unknown wholesaler", `{id: m, name: M, kind: financing_sla, wholesalers: [actebis, ingram], payment_values: [x]}`,
			[]string{"programs[0].wholesalers[1]: unknown wholesaler \"ingram\" (configured: actebis, etc, tech-data"}},
		{"no wholesalers", `{id: m, name: M, kind: financing_sla, payment_values: [x]}`, []string{"programs[0].wholesalers: is missing"}},
		{"empty wholesalers", `{id: m, name: M, kind: financing_sla, wholesalers: [], payment_values: [x]}`, []string{"programs[0].wholesalers: is empty"}},
		{"star with ids", `{id: m, name: M, kind: financing_sla, wholesalers: ["*", etc], payment_values: [x]}`, []string{"programs[0].wholesalers[0]: \"*\" means all wholesalers and must stand alone"}},
		{"top_up from missing", `{id: m, name: M, kind: credit_top_up, wholesalers: [actebis], until: 2009-06-30, max_amount: 5000}`, []string{"programs[0].from: is missing; give a date like 2009-06-30"}},
		{"top_up bad date", `{id: m, name: M, kind: credit_top_up, wholesalers: [actebis], from: 2009-02-30, until: 2009-06-30, max_amount: 5000}`,
			[]string{"programs[0].from: \"2009-02-30\" is not a date in the form YYYY-MM-DD"}},
		{"top_up from after until", `{id: m, name: M, kind: credit_top_up, wholesalers: [actebis], from: 2009-07-01, until: 2009-06-30, max_amount: 5000}`,
			[]string{"programs[0].until: 2009-06-30 is before from 2009-07-01"}},
		{"top_up max missing", `{id: m, name: M, kind: credit_top_up, wholesalers: [actebis], from: 2009-03-02, until: 2009-06-30}`, []string{"programs[0].max_amount: is missing"}},
		{"duplicate key", top + `, max_amount: 0}`, []string{"programs[0].max_amount: given twice"}},
		{"top_up max zero alone", `{id: m, name: M, kind: credit_top_up, wholesalers: [actebis], from: 2009-03-02, until: 2009-06-30, max_amount: 0}`,
			[]string{"programs[0].max_amount: must be more than 0 (got 0)"}},
		{"negative amount", `{id: m, name: M, kind: credit_top_up, wholesalers: [actebis], from: 2009-03-02, until: 2009-06-30, max_amount: -5000}`,
			[]string{"programs[0].max_amount: must be more than 0 (got -5000)"}},
		{"three decimals", `{id: m, name: M, kind: credit_top_up, wholesalers: [actebis], from: 2009-03-02, until: 2009-06-30, max_amount: 5000.005}`,
			[]string{"programs[0].max_amount: \"5000.005\" has more than 2 decimals"}},
		{"amount text", `{id: m, name: M, kind: credit_top_up, wholesalers: [actebis], from: 2009-03-02, until: 2009-06-30, max_amount: "5 000 €"}`,
			[]string{"programs[0].max_amount: \"5 000 €\" is not an amount in euros"}},
		{"round_up_to zero", top + `, round_up_to: 0}`, []string{"programs[0].round_up_to: must be more than 0 (got 0)"}},
		{"key of another kind", top + `, amount: 10}`, []string{"programs[0].amount: does not apply to kind credit_top_up (it belongs to order_triggered_line); credit_top_up takes: from, until, max_amount, round_up_to"}},
		{"max_amount on order line", otl + `, ` + trig + `, max_amount: 5000}`, []string{"programs[0].max_amount: does not apply to kind order_triggered_line (it belongs to credit_top_up)"}},
		{"unknown key", fin + `, colour: red}`, []string{"programs[0].colour: unknown key (allowed for financing_sla: id, name, kind, wholesalers, payment_values, max_hours)"}},
		{"order amount missing", `{id: o, name: O, kind: order_triggered_line, wholesalers: [etc], duration_months: 6, ` + trig + `}`, []string{"programs[0].amount: is missing"}},
		{"duration zero", `{id: o, name: O, kind: order_triggered_line, wholesalers: [etc], amount: 5000, duration_months: 0, ` + trig + `}`, []string{"programs[0].duration_months: must be 1 or more"}},
		{"duration missing", `{id: o, name: O, kind: order_triggered_line, wholesalers: [etc], amount: 5000, ` + trig + `}`, []string{"programs[0].duration_months: is missing"}},
		{"duration not int", `{id: o, name: O, kind: order_triggered_line, wholesalers: [etc], amount: 5000, duration_months: 1.5, ` + trig + `}`, []string{"programs[0].duration_months: \"1.5\" is not a whole number"}},
		{"trigger missing", otl + `}`, []string{"programs[0].trigger: is missing"}},
		{"trigger without words", otl + `, trigger: {min_order_amount: 1000}}`, []string{"programs[0].trigger: needs category or product_contains"}},
		{"trigger negative min", otl + `, trigger: {category: [OEM], min_order_amount: -1}}`, []string{"programs[0].trigger.min_order_amount: must be 0 or more (got -1)"}},
		{"trigger unknown key", otl + `, trigger: {category: [OEM], product: [Office]}}`, []string{"programs[0].trigger.product: unknown key (allowed: category, product_contains, min_order_amount)"}},
		{"trigger empty word", otl + `, trigger: {category: [""]}}`, []string{"programs[0].trigger.category[0]: is empty"}},
		{"order window", otl + `, ` + trig + `, from: 2010-01-01, until: 2009-01-01}`, []string{"programs[0].until: 2009-01-01 is before from 2010-01-01"}},
		{"payment values missing", `{id: f, name: F, kind: financing_sla, wholesalers: ["*"]}`, []string{"programs[0].payment_values: is missing"}},
		{"payment values empty", `{id: f, name: F, kind: financing_sla, wholesalers: ["*"], payment_values: []}`, []string{"programs[0].payment_values: is missing"}},
		{"max hours zero", fin + `, max_hours: 0}`, []string{"programs[0].max_hours: must be greater than 0"}},
		{"from on financing", fin + `, from: 2009-01-01}`, []string{"programs[0].from: does not apply to kind financing_sla (it belongs to credit_top_up, order_triggered_line)"}},
		{"program not mapping", `mezzanine`, []string{"programs[0]: must be a mapping"}},
		{"budget negative total", top + `, budget: {max_total: -30000}}`, []string{"programs[0].budget.max_total: must be more than 0 (got -30000)"}},
		{"budget zero total", top + `, budget: {max_total: 0}}`, []string{"programs[0].budget.max_total: must be more than 0 (got 0)"}},
		{"budget total not a number", top + `, budget: {max_total: lots}}`, []string{"programs[0].budget.max_total: \"lots\" is not an amount in euros"}},
		{"budget total three decimals", top + `, budget: {max_total: 100.001}}`, []string{"programs[0].budget.max_total: \"100.001\" has more than 2 decimals"}},
		{"budget total with thousands", top + `, budget: {max_total: "30 000"}}`, []string{"programs[0].budget.max_total: \"30 000\" is not an amount in euros"}},
		{"budget beneficiaries not whole", otl + `, ` + trig + `, budget: {max_beneficiaries: 2.5}}`, []string{"programs[0].budget.max_beneficiaries: \"2.5\" is not a whole number"}},
		{"budget beneficiaries zero", otl + `, ` + trig + `, budget: {max_beneficiaries: 0}}`, []string{"programs[0].budget.max_beneficiaries: must be 1 or more (got 0)"}},
		{"budget beneficiaries negative", otl + `, ` + trig + `, budget: {max_beneficiaries: -4}}`, []string{"programs[0].budget.max_beneficiaries: must be 1 or more (got -4)"}},
		{"budget unknown key", top + `, budget: {max_amount: 10}}`, []string{"programs[0].budget.max_amount: unknown key (allowed: max_total, max_beneficiaries)"}},
		{"budget empty", top + `, budget: {}}`, []string{"programs[0].budget: is empty; give max_total"}},
		{"budget not a mapping", top + `, budget: 30000}`, []string{"programs[0].budget: must be a mapping like {max_total: 30000, max_beneficiaries: 12}, not \"30000\""}},
		{"budget on financing", fin + `, budget: {max_total: 1000}}`, []string{"programs[0].budget: does not apply to kind financing_sla (it belongs to credit_top_up, order_triggered_line)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRules(strings.NewReader("programs:\n  - "+tt.program+"\n"), "rules.yaml", ids)
			if err == nil {
				t.Fatal("no error")
			}
			if !containsAll(err, tt.want) {
				t.Errorf("error:\n%v\nwant one message containing %q", err, tt.want)
			}
		})
	}
}

func TestParseRulesTopLevel(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{"program: []\n", "rules.yaml: program: unknown key (allowed: programs)"},
		{"programs: {id: m}\n", "rules.yaml: programs: must be a list of programs"},
		{"programs:\n  - {id: m, name: M, kind: financing_sla, wholesalers: [etc], payment_values: [x]}\n  - {id: m, name: N, kind: financing_sla, wholesalers: [etc], payment_values: [x]}\n",
			"programs[1].id: \"m\" is already the id of programs[0]"},
		// A budget is a positive amount: the message says the rule it breaks
		// and the value given, under the key of the third program.
		{"programs:\n  - {id: a, name: A, kind: financing_sla, wholesalers: [etc], payment_values: [x]}\n" +
			"  - {id: b, name: B, kind: financing_sla, wholesalers: [etc], payment_values: [x]}\n" +
			"  - {id: m, name: M, kind: credit_top_up, wholesalers: [actebis], from: 2009-03-02, until: 2009-06-30, max_amount: 5000,\n" +
			"     budget: {max_total: -5}}\n",
			"rules.yaml: programs[2].budget.max_total: must be more than 0 (got -5) (line 5)"},
	}
	for _, tt := range tests {
		_, err := ParseRules(strings.NewReader(tt.yaml), "rules.yaml", ids)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want %q", tt.yaml, err, tt.want)
		}
	}
}

func TestParseRulesAllErrors(t *testing.T) {
	yaml := `
programs:
  - {id: a, name: A, kind: credit_top_up, wholesalers: [nope], from: 2009-03-02, until: 2009-06-30, max_amount: -1}
  - {id: b, name: B, kind: order_triggered_line, wholesalers: [etc], amount: 1.234, duration_months: 0, trigger: {}}
  - {id: c, name: C, kind: financing_sla, wholesalers: ["*"], payment_values: [x], max_amount: 3}
`
	_, err := ParseRules(strings.NewReader(yaml), "rules.yaml", ids)
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("err = %v", err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.Path)
	}
	want := []string{"programs[0].wholesalers[0]", "programs[0].max_amount", "programs[1].amount",
		"programs[1].duration_months", "programs[1].trigger", "programs[2].max_amount"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("paths = %q, want %q\n%v", got, want, err)
	}
}

func TestParseEuros(t *testing.T) {
	tests := []struct {
		in   string
		want reconcile.Cents
		err  string
	}{
		{"5000", 500000, ""},
		{"5000.5", 500050, ""},
		{"5000.50", 500050, ""},
		{"0.1", 10, ""},
		{"0.30", 30, ""},
		{"0", 0, ""},
		{"007", 700, ""},
		{" 12 ", 1200, ""},
		{"9999999999999.99", 999999999999999, ""},
		{"10000000000000", 0, "too large"},
		{"5000.505", 0, "more than 2 decimals"},
		{"-1", 0, "negative"},
		{"1e3", 0, "not an amount"},
		{"5,000", 0, "not an amount"},
		{"5000.", 0, "not an amount"},
		{".5", 0, "not an amount"},
		{"", 0, "not an amount"},
		{"+5", 0, "not an amount"},
	}
	for _, tt := range tests {
		got, err := ParseEuros(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseEuros(%q) err = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseEuros(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		err  string
	}{
		{"1048576", 1 << 20, ""},
		{"512B", 512, ""},
		{"1KiB", 1024, ""},
		{"100MiB", 100 << 20, ""},
		{"100 mib", 100 << 20, ""},
		{"1GiB", 1 << 30, ""},
		{"2TiB", 2 << 40, ""},
		{"1KB", 1000, ""},
		{"5MB", 5e6, ""},
		{"1GB", 1e9, ""},
		{"1.5GiB", 0, "unknown unit"},
		{"MiB", 0, "not a size"},
		{"-1", 0, "not a size"},
		{"10 parsecs", 0, "unknown unit"},
		{"99999999999999999999", 0, "too large"},
		{"9999999999GiB", 0, "too large"},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseSize(%q) err = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}
