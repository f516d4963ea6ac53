package reconcile

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func disc(w string, k DiscrepancyKind, r, order string, expected, actual Cents) Discrepancy {
	return Discrepancy{Wholesaler: w, Kind: k, ResellerID: r, OrderID: order, ExpectedCents: expected, ActualCents: actual}
}

func openFinding(d Discrepancy, firstSeen, firstRun string) Finding {
	d.FirstSeen = MustDate(firstSeen)
	d.Ref = FindingRef(d.Key(), firstRun)
	return Finding{Discrepancy: d, FirstRun: firstRun}
}

func TestTrackFindings(t *testing.T) {
	asOf := MustDate("2009-05-04")
	const run = "2009-05-04-1"
	c1004 := disc("actebis", UnderApplied, "C1004", "", 10000, 0)
	c1011 := disc("actebis", OverApplied, "C1011", "", 60000, 100000)
	ingram := disc("ingram", FinancingLate, "FR-1", "IM-1", 0, 0)
	answered := openFinding(c1004, "2009-04-20", "2009-04-20-1")
	answered.Response, answered.Comment, answered.AnsweredOn = AnswerInProgress, "on it", MustDate("2009-04-27")

	onlyActebis := func(w string) bool { return w == "actebis" }
	type want struct {
		states     []FindingState
		firstSeen  []string
		refRuns    []string // run each discrepancy's ref is made from
		newKeys    []string
		resolved   []string
		changed    []string
		responseOf []Answer
	}
	for _, tc := range []struct {
		name    string
		open    []Finding
		current []Discrepancy
		want    want
	}{
		{
			name:    "first run: everything new",
			current: []Discrepancy{c1004, c1011},
			want: want{states: []FindingState{FindingNew, FindingNew}, firstSeen: []string{"2009-05-04", "2009-05-04"},
				refRuns: []string{run, run}, newKeys: []string{"C1004", "C1011"}, responseOf: []Answer{"", ""}},
		},
		{
			name:    "listed before and now: open, first_seen and answer kept",
			open:    []Finding{answered},
			current: []Discrepancy{c1004, c1011},
			want: want{states: []FindingState{FindingOpen, FindingNew}, firstSeen: []string{"2009-04-20", "2009-05-04"},
				refRuns: []string{"2009-04-20-1", run}, newKeys: []string{"C1011"}, responseOf: []Answer{AnswerInProgress, ""}},
		},
		{
			name:    "before only, wholesaler delivered: resolved",
			open:    []Finding{answered, openFinding(c1011, "2009-04-27", "2009-04-27-1")},
			current: []Discrepancy{c1011},
			want: want{states: []FindingState{FindingOpen}, firstSeen: []string{"2009-04-27"}, refRuns: []string{"2009-04-27-1"},
				resolved: []string{"C1004"}, responseOf: []Answer{""}},
		},
		{
			name:    "wholesaler that did not deliver keeps its findings",
			open:    []Finding{openFinding(ingram, "2009-04-20", "2009-04-20-1"), answered},
			current: []Discrepancy{c1004},
			want: want{states: []FindingState{FindingOpen}, firstSeen: []string{"2009-04-20"}, refRuns: []string{"2009-04-20-1"},
				responseOf: []Answer{AnswerInProgress}},
		},
		{
			name:    "changed figures are rewritten, unchanged ones are not",
			open:    []Finding{answered, openFinding(c1011, "2009-04-27", "2009-04-27-1")},
			current: []Discrepancy{disc("actebis", UnderApplied, "C1004", "", 20000, 0), c1011},
			want: want{states: []FindingState{FindingOpen, FindingOpen}, firstSeen: []string{"2009-04-20", "2009-04-27"},
				refRuns: []string{"2009-04-20-1", "2009-04-27-1"}, changed: []string{"C1004"}, responseOf: []Answer{AnswerInProgress, ""}},
		},
		{
			name: "two discrepancies of one key are one finding",
			current: []Discrepancy{disc("actebis", FinancingLate, "C1", "O-1", 0, 0),
				{Wholesaler: "actebis", Kind: FinancingLate, ResellerID: "C1", OrderID: "O-1", Hours: 70}},
			want: want{states: []FindingState{FindingNew, FindingNew}, firstSeen: []string{"2009-05-04", "2009-05-04"},
				refRuns: []string{run, run}, newKeys: []string{"C1"}, responseOf: []Answer{"", ""}},
		},
		{
			name:    "a resolved finding that comes back is a new episode",
			open:    []Finding{{Discrepancy: answered.Discrepancy, FirstRun: "2009-04-20-1", ResolvedRun: "2009-04-27-1", ResolvedOn: MustDate("2009-04-27")}},
			current: []Discrepancy{c1004},
			want: want{states: []FindingState{FindingNew}, firstSeen: []string{"2009-05-04"}, refRuns: []string{run},
				newKeys: []string{"C1004"}, responseOf: []Answer{""}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			openCopy := append([]Finding(nil), tc.open...)
			got := TrackFindings(tc.open, tc.current, onlyActebis, asOf, run)
			if !reflect.DeepEqual(openCopy, tc.open) {
				t.Error("TrackFindings changed its input")
			}
			if len(got.Discrepancies) != len(tc.current) {
				t.Fatalf("%d discrepancies, want %d", len(got.Discrepancies), len(tc.current))
			}
			for i, d := range got.Discrepancies {
				if d.State != tc.want.states[i] || d.FirstSeen.String() != tc.want.firstSeen[i] {
					t.Errorf("discrepancy %d: %s since %s, want %s since %s", i, d.State, d.FirstSeen, tc.want.states[i], tc.want.firstSeen[i])
				}
				if want := FindingRef(d.Key(), tc.want.refRuns[i]); d.Ref != want {
					t.Errorf("discrepancy %d: ref %s, want %s (episode of %s)", i, d.Ref, want, tc.want.refRuns[i])
				}
				if d.Response != tc.want.responseOf[i] {
					t.Errorf("discrepancy %d: response %q, want %q", i, d.Response, tc.want.responseOf[i])
				}
				if d.ExpectedCents != tc.current[i].ExpectedCents || d.Hours != tc.current[i].Hours {
					t.Errorf("discrepancy %d: figures changed: %+v", i, d)
				}
			}
			ids := func(fs []Finding) []string {
				var out []string
				for _, f := range fs {
					out = append(out, f.ResellerID)
				}
				return out
			}
			if g := ids(got.New); !reflect.DeepEqual(g, tc.want.newKeys) {
				t.Errorf("new %v, want %v", g, tc.want.newKeys)
			}
			if g := ids(got.Resolved); !reflect.DeepEqual(g, tc.want.resolved) {
				t.Errorf("resolved %v, want %v", g, tc.want.resolved)
			}
			for _, f := range got.Resolved {
				if f.ResolvedRun != run || f.ResolvedOn != asOf || f.FirstSeen.IsZero() {
					t.Errorf("resolved %+v: want run %s on %s, first_seen kept", f, run, asOf)
				}
			}
			if g := ids(got.Changed); !reflect.DeepEqual(g, tc.want.changed) {
				t.Errorf("changed %v, want %v", g, tc.want.changed)
			}
			for _, f := range got.Changed {
				if f.ExpectedCents != 20000 || f.FirstRun != "2009-04-20-1" || f.Response != AnswerInProgress {
					t.Errorf("changed %+v: want the new figures on the same episode", f)
				}
			}
			for _, f := range got.New {
				if f.FirstRun != run || f.FirstSeen != asOf || f.Ref != FindingRef(f.Key(), run) {
					t.Errorf("new %+v: want first run %s on %s", f, run, asOf)
				}
			}
		})
	}
}

// TestNewFindings: the episodes a run opens, made again from its tracked
// discrepancies, are TrackFindings' New, whether the discrepancies come
// sorted (as Evaluate gives them, a key's lines side by side) or not, and
// carry no answer.
func TestNewFindings(t *testing.T) {
	asOf := MustDate("2009-05-04")
	const run = "2009-05-04-1"
	a := disc("actebis", FinancingLate, "C1", "O-1", 0, 0)
	a2 := a
	a2.Hours = 70 // a second order line of the same order
	b := disc("actebis", UnderApplied, "C2", "", 10000, 0)
	c := disc("actebis", OverApplied, "C3", "", 60000, 100000)
	old := openFinding(c, "2009-04-20", "2009-04-20-1")
	onlyActebis := func(w string) bool { return w == "actebis" }
	for _, tc := range []struct {
		name    string
		current []Discrepancy
		want    []string
	}{
		{"sorted", []Discrepancy{a, a2, b, c}, []string{"C1", "C2"}},
		{"unsorted, one key apart", []Discrepancy{a, b, c, a2}, []string{"C1", "C2"}},
		{"none new", []Discrepancy{c}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := TrackFindings([]Finding{old}, tc.current, onlyActebis, asOf, run)
			var ids []string
			for _, f := range got.New {
				ids = append(ids, f.ResellerID)
			}
			if !reflect.DeepEqual(ids, tc.want) {
				t.Fatalf("new %v, want %v", ids, tc.want)
			}
			answered := slices.Clone(got.Discrepancies)
			for i := range answered {
				answered[i].Response, answered[i].Comment = AnswerInProgress, "on it"
			}
			if again := NewFindings(answered, run); !reflect.DeepEqual(again, got.New) {
				t.Errorf("NewFindings gave\n%+v\nTrackFindings gave\n%+v", again, got.New)
			}
			for i, d := range got.Discrepancies {
				if d.State == FindingNew && d.Ref != FindingRef(d.Key(), run) {
					t.Errorf("discrepancy %d: ref %s, want the episode of %s", i, d.Ref, run)
				}
			}
		})
	}
}

func TestFindingRef(t *testing.T) {
	k := FindingKey{"actebis", UnderApplied, "C1004", "", ""}
	a, b := FindingRef(k, "2009-04-20-1"), FindingRef(k, "2009-04-27-1")
	if len(a) != 10 || strings.ToUpper(a) != a || a == b {
		t.Errorf("refs %q and %q: want ten upper-case hex digits, different per episode", a, b)
	}
	// No field can borrow from its neighbour.
	if FindingRef(FindingKey{"a", "b", "c", "", ""}, "r") == FindingRef(FindingKey{"a", "b", "", "c", ""}, "r") {
		t.Error("reseller and program are not kept apart")
	}
	// References live in ledgers and in the workbooks sent out: they never
	// change (the first ten hex digits of SHA-256 over the fields, each
	// followed by a zero byte), whatever the length of the fields.
	for _, tc := range []struct {
		k    FindingKey
		run  string
		want string
	}{
		{k, "2009-04-20-1", "81B6138C4B"},
		{FindingKey{"big", FinancingLate, "BI0000006", "ms-financing", "CMD-00012345"}, "2009-05-04-1", "11A29F436E"},
		{FindingKey{"w", InvalidSIREN, strings.Repeat("é", 200), "", ""}, "2009-05-04-1", "759996888A"},
	} {
		if got := FindingRef(tc.k, tc.run); got != tc.want {
			t.Errorf("FindingRef(%v, %s) = %s, want %s", tc.k, tc.run, got, tc.want)
		}
	}
}

func TestAge(t *testing.T) {
	since := MustDate("2009-04-06")
	for _, tc := range []struct {
		asOf, fr, en string
	}{
		{"2009-04-06", "aujourd'hui", "today"},
		{"2009-04-07", "1\u00a0jour", "1\u00a0day"},
		{"2009-04-12", "6\u00a0jours", "6\u00a0days"},
		{"2009-04-13", "1\u00a0semaine", "1\u00a0week"},
		{"2009-05-04", "4\u00a0semaines", "4\u00a0weeks"},
		{"2009-05-10", "4\u00a0semaines", "4\u00a0weeks"},
	} {
		if got := Age("fr", since, MustDate(tc.asOf)); got != tc.fr {
			t.Errorf("fr %s: %q, want %q", tc.asOf, got, tc.fr)
		}
		if got := Age("en", since, MustDate(tc.asOf)); got != tc.en {
			t.Errorf("en %s: %q, want %q", tc.asOf, got, tc.en)
		}
	}
}

func TestCleanComment(t *testing.T) {
	long := strings.Repeat("é", 2*MaxCommentRunes)
	for _, tc := range []struct{ in, want string }{
		{"  corrigé le 12/05  ", "corrigé le 12/05"},
		{"line one\r\nline two\ttab", "line one line two tab"},
		{"bell\a and \x00nul and \u202eRTL override", "bell and nul and RTL override"},
		{"=HYPERLINK(\"http://x\")", "=HYPERLINK(\"http://x\")"}, // text, written back as text
		{"bad \xff utf8", "bad \uFFFD utf8"},
	} {
		if got := CleanComment(tc.in); got != tc.want {
			t.Errorf("CleanComment(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	got := CleanComment(long)
	if n := utf8.RuneCountInString(got); n != MaxCommentRunes || !strings.HasSuffix(got, "…") {
		t.Errorf("long comment: %d runes, ends %q", n, got[len(got)-6:])
	}
}

func TestMarker(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	m := Marker{Wholesaler: "actebis", RunID: "2009-04-20-1", AsOf: MustDate("2009-04-20")}
	sig := m.Sign(key)
	if !m.Verify(key, sig) || !m.Verify(key, " "+strings.ToUpper(sig)+" ") {
		t.Fatal("a marker does not verify with its own signature")
	}
	for name, other := range map[string]Marker{
		"another wholesaler": {Wholesaler: "etc", RunID: m.RunID, AsOf: m.AsOf},
		"a tampered run id":  {Wholesaler: m.Wholesaler, RunID: "2009-04-27-1", AsOf: m.AsOf},
		"another as-of":      {Wholesaler: m.Wholesaler, RunID: m.RunID, AsOf: MustDate("2009-04-27")},
		"fields shifted":     {Wholesaler: "actebis2009-04-20-1", AsOf: m.AsOf},
	} {
		if other.Verify(key, sig) {
			t.Errorf("%s verifies with the original signature", name)
		}
	}
	if m.Verify([]byte("another key"), sig) || m.Verify(key, "") || m.Verify(key, "zz"+sig[2:]) {
		t.Error("a wrong key, an empty or a non-hex signature verifies")
	}
}

func TestAnswerWords(t *testing.T) {
	words := AnswerWords()
	for _, a := range Answers {
		for _, lang := range []string{"fr", "en"} {
			if words[a.Word(lang)] != a {
				t.Errorf("%s in %s: %q does not read back", a, lang, a.Word(lang))
			}
		}
	}
	if AnswerInProgress.Word("fr") != "en cours" || AnswerFixed.Word("fr") != "corrigé" || AnswerDisputed.Word("en") != "disputed" {
		t.Error("drop-down words changed")
	}
}

// Evaluate gives each decided line the export row it came from.
func TestEvaluateSource(t *testing.T) {
	a := account("C1", Active, Euros(1000), Euros(1500))
	a.Row = 7
	o := order("O-1", "E1", "2009-04-20", "MS Office", "OEM", Euros(1200))
	o.File, o.Sheet, o.Row = "etc.xlsx", "Commandes", 4
	o2 := order("O-2", "E2", "2009-04-29", "MS Office", "OEM", Euros(1200))
	o2.File, o2.Sheet, o2.Row = "etc.xlsx", "Commandes", 9
	out := Evaluate(Input{
		AsOf: MustDate("2009-05-04"), Programs: allPrograms, Seen: func(OrderKey) bool { return false },
		Lines: []Line{held(1, "etc", "oem-office", "E2", Euros(5000), "2009-04-01", "2009-09-30", "old")},
		Feeds: []Feed{
			{Wholesaler: "actebis", Accounts: []Account{a}, AccountsFile: "a.xlsx", AccountsSheet: "Encours"},
			{Wholesaler: "etc", Accounts: []Account{account("E1", Active, 0, 0), account("E2", Active, 0, 0)}, Orders: []Order{o, o2}},
		},
	})
	want := map[string]Source{
		"C1": {File: "a.xlsx", Sheet: "Encours", Row: 7},
		"E1": {File: "etc.xlsx", Sheet: "Commandes", Row: 4},
		"E2": {File: "etc.xlsx", Sheet: "Commandes", Row: 9}, // extended by O-2
	}
	for _, l := range out.Lines {
		if l.Source != want[l.ResellerID] {
			t.Errorf("%s (%s): source %+v, want %+v", l.ResellerID, l.Status, l.Source, want[l.ResellerID])
		}
	}
	if len(out.Lines) != 3 {
		t.Errorf("%d lines, want 3: %+v", len(out.Lines), out.Lines)
	}
}
