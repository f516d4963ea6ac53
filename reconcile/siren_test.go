package reconcile

import (
	"reflect"
	"testing"
)

func TestParseSIREN(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"552100554", "552100554", true},
		{"443061841", "443061841", true},
		{"012345674", "012345674", true},
		{"552 100 554", "552100554", true},
		{" 552100554 ", "552100554", true},
		{"552\u00a0100\u00a0554", "552100554", true},
		{"552\u202f100\u202f554", "552100554", true},
		{"552100555", "", false},   // Luhn key wrong
		{"55210055", "", false},    // 8 digits
		{"12345674", "", false},    // 8 digits passing Luhn: still not 9
		{"5521005540", "", false},  // 10 digits
		{"0552100554", "", false},  // 10 digits passing Luhn
		{"55210055A", "", false},   // a letter
		{"FR552100554", "", false}, // a VAT prefix
		{"552-100-554", "", false}, // dashes are not spaces
		{"552100554.0", "", false},
		{"", "", false},
		{"   ", "", false},
		{"000000000", "000000000", true}, // passes Luhn; INSEE never issues it, but the rule is the rule
	}
	for _, tt := range tests {
		got, ok := ParseSIREN(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseSIREN(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestLuhn(t *testing.T) {
	for s, want := range map[string]bool{
		"552100554": true, "732829320": true, "542065479": true, "552100555": false,
		"79927398713": true, "79927398710": false, "0": true, "": false, "12a4": false,
	} {
		if got := Luhn(s); got != want {
			t.Errorf("Luhn(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestExposures(t *testing.T) {
	valid := func(w, p, r string, amount Cents) LineChange {
		return LineChange{Line: Line{Wholesaler: w, Program: p, ResellerID: r, Amount: amount, State: Valid}, Status: Unchanged}
	}
	ended := valid("etc", "oem-office", "R9", Euros(5000))
	ended.State, ended.Status = Expired, Ended
	lines := []LineChange{
		valid("actebis", "mezzanine", "C1", Euros(3000)),
		valid("etc", "oem-office", "R1", Euros(5000)),
		valid("etc", "oem-office", "R2", Euros(5000)),
		valid("techdata", "mezzanine", "T1", Euros(1000)),
		valid("techdata", "mezzanine", "T2", Euros(1000)), // no SIREN: left out
		ended, // not valid: left out
	}
	people := map[[2]string]Reseller{
		{"actebis", "C1"}:  {SIREN: "552100554", Name: "Informatique du Berry SARL"},
		{"etc", "R1"}:      {SIREN: "552100554", Name: "INFORMATIQUE DU BERRY"},
		{"etc", "R2"}:      {SIREN: "443061841", Name: ""},
		{"techdata", "T1"}: {SIREN: "443061841", Name: "Data Conseil SAS"},
		{"techdata", "T2"}: {Name: "Sans SIREN"},
		{"etc", "R9"}:      {SIREN: "732829320", Name: "Expired"},
	}
	who := func(w, r string) Reseller { return people[[2]string{w, r}] }
	// Config order: etc before actebis, so etc's name wins for 552100554.
	got := Exposures(lines, who, []string{"techdata", "etc", "actebis"})
	want := []ResellerExposure{
		{SIREN: "443061841", Name: "Data Conseil SAS", Wholesalers: []string{"etc", "techdata"}, Lines: 2, AmountCents: Euros(6000)},
		{SIREN: "552100554", Name: "INFORMATIQUE DU BERRY", Wholesalers: []string{"actebis", "etc"}, Lines: 2, AmountCents: Euros(8000)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Exposures:\n got %+v\nwant %+v", got, want)
	}
	if got := Exposures(nil, who, nil); got == nil || len(got) != 0 {
		t.Errorf("Exposures(nil) = %#v, want []", got)
	}
}

func TestProgramRuns(t *testing.T) {
	mk := func(w, p, r string, amount Cents, state LineState, status LineStatus) LineChange {
		return LineChange{Line: Line{Wholesaler: w, Program: p, ResellerID: r, Amount: amount, State: state}, Status: status}
	}
	lines := []LineChange{
		mk("actebis", "mezzanine", "C1", Euros(3000), Valid, Granted),
		mk("actebis", "mezzanine", "C2", Euros(2000), Valid, Unchanged),
		mk("techdata", "mezzanine", "T1", Euros(1000), Valid, Increased), // same company as C1
		mk("actebis", "mezzanine", "C3", Euros(2000), Revoked, Withdrawn),
		mk("etc", "oem-office", "R1", Euros(5000), Expired, Ended),
		mk("etc", "oem-office", "R2", Euros(5000), Valid, Extended),
		mk("ingram", "old-program", "I1", Euros(700), Valid, Unchanged),
	}
	sirens := map[string]string{"C1": "552100554", "T1": "552100554", "C2": "443061841"}
	got := ProgramRuns("2009-05-04-1", MustDate("2009-05-04"), allPrograms, lines,
		func(_, r string) string { return sirens[r] })
	d := MustDate("2009-05-04")
	want := []ProgramRun{
		{RunID: "2009-05-04-1", AsOf: d, Program: "mezzanine", Lines: 3, Exposure: Euros(6000), Beneficiaries: 2, Granted: 1, Revoked: 1},
		{RunID: "2009-05-04-1", AsOf: d, Program: "oem-office", Lines: 1, Exposure: Euros(5000), Beneficiaries: 1, Expired: 1},
		{RunID: "2009-05-04-1", AsOf: d, Program: "old-program", Lines: 1, Exposure: Euros(700), Beneficiaries: 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ProgramRuns:\n got %+v\nwant %+v", got, want)
	}
}
