package ledger

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/encours/encours/reconcile"
)

func finding(w string, k reconcile.DiscrepancyKind, r, order, firstSeen, firstRun string) reconcile.Finding {
	f := reconcile.Finding{Discrepancy: reconcile.Discrepancy{Wholesaler: w, Kind: k, ResellerID: r, OrderID: order,
		FirstSeen: d(firstSeen), ExpectedCents: 10000, State: reconcile.FindingOpen}, FirstRun: firstRun}
	f.Ref = reconcile.FindingRef(f.Key(), firstRun)
	return f
}

// testMigrateFindingsFromVersion1 writes a ledger as the encours before
// findings did (schema version 1), then opens it with this one: the data
// survives, the old history has empty sources, and findings work.
func testMigrateFindingsFromVersion1(t *testing.T, b backend) {
	ctx := context.Background()
	saved := migrations
	migrations = saved[:1]
	old, path := b.open(t)
	// The rows version 1's Commit wrote for a run with one granted line
	// and one processed file (this Commit writes the new columns).
	var err error
	for _, q := range []string{
		`INSERT INTO runs VALUES ('2009-04-20-1', '2009-04-20', '2009-04-20T07:00:00.000000000Z', '2009-04-20T07:01:00.000000000Z', NULL, 'ok', '{}')`,
		`INSERT INTO lines VALUES (1, 'actebis', 'mezzanine', 'C1', 340000, '2009-04-20', '2009-06-30', 'valid', 'because', '2009-04-20-1', '2009-04-20-1')`,
		`INSERT INTO line_events VALUES (1, 1, '2009-04-20-1', 'granted', 340000, '2009-06-30', 'because', '2009-04-20T07:01:00.000000000Z')`,
		`INSERT INTO files VALUES ('abc', 'actebis', 'a.xlsx', '2009-04-20-1', 'processed', '')`,
		`INSERT INTO feeds VALUES ('actebis', '2009-04-20')`,
	} {
		if _, err = old.db.ExecContext(ctx, q); err != nil {
			break
		}
	}
	v, _ := old.SchemaVersion(ctx)
	old.Close()
	migrations = saved
	if err != nil || v != 1 {
		t.Fatalf("version-1 ledger: version %d, %v", v, err)
	}

	s, err := b.reopen(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, _ := s.SchemaVersion(ctx); v != len(migrations) {
		t.Fatalf("version after migration = %d", v)
	}
	h, err := s.ResellerHistory(ctx, "actebis", "C1")
	if err != nil || len(h.Lines) != 1 || h.Lines[0].Source != (reconcile.Source{}) || h.Lines[0].Run.AsOf != d("2009-04-20") {
		t.Fatalf("history of a line written before the migration: %+v, %v", h, err)
	}
	if ok, _ := s.FileProcessed(ctx, "abc"); !ok {
		t.Error("processed file forgotten")
	}
	f := finding("actebis", reconcile.UnderApplied, "C1", "", "2009-04-27", "2009-04-27-1")
	l := line("actebis", "mezzanine", "C2", 10000, "2009-04-27", "2009-06-30", reconcile.Granted)
	l.Source = reconcile.Source{File: "b.xlsx", Sheet: "Encours", Row: 12}
	if err := s.Commit(ctx, Commit{Run: run("2009-04-27-1", "2009-04-27"), Lines: []reconcile.LineChange{l},
		Feeds: []string{"actebis"}, Findings: reconcile.FindingChanges{New: []reconcile.Finding{f}}}); err != nil {
		t.Fatal(err)
	}
	open, err := s.OpenFindings(ctx, []string{"actebis"})
	if err != nil || len(open) != 1 || open[0].Ref != f.Ref {
		t.Errorf("open findings on a migrated ledger: %+v, %v", open, err)
	}
	h, _ = s.ResellerHistory(ctx, "actebis", "C2")
	if len(h.Lines) != 1 || h.Lines[0].Source != l.Source {
		t.Errorf("source of a new line: %+v", h.Lines)
	}
}

// testFindingsLifecycle commits a finding's episodes, an answer and the
// stale-feed notices run by run, and reads them back, the reseller's
// history (encours explain) included.
func testFindingsLifecycle(t *testing.T, b backend) {
	ctx := context.Background()
	s, _ := b.open(t)
	f1 := finding("actebis", reconcile.UnderApplied, "C1", "", "2009-04-20", "2009-04-20-1")
	f2 := finding("actebis", reconcile.FinancingLate, "C2", "O-1", "2009-04-20", "2009-04-20-1")
	g1 := finding("ingram", reconcile.FinancingLate, "FR-1", "IM-1", "2009-04-20", "2009-04-20-1")
	commit := func(c Commit) {
		t.Helper()
		if err := s.Commit(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	commit(Commit{Run: run("2009-04-20-1", "2009-04-20"), Feeds: []string{"actebis", "ingram"},
		Findings: reconcile.FindingChanges{New: []reconcile.Finding{f1, f2, g1}}, StaleMailed: []string{"etc"}})

	got, err := s.OpenFindings(ctx, []string{"actebis"})
	if err != nil || len(got) != 2 || got[0].Ref != f1.Ref || got[1].Key() != f2.Key() || got[0].FirstRun != "2009-04-20-1" {
		t.Fatalf("open findings of actebis: %+v, %v", got, err)
	}
	if !reflect.DeepEqual(got[0], f1) {
		t.Errorf("read back %+v\nwant %+v", got[0], f1)
	}

	// Week 2: an answer to f1, f2 resolved, f1's figures changed.
	changed := f1
	changed.ExpectedCents = 20000
	resolved := f2
	resolved.ResolvedRun, resolved.ResolvedOn = "2009-04-27-1", d("2009-04-27")
	answer := reconcile.FindingResponse{Wholesaler: "actebis", Kind: f1.Kind, ResellerID: "C1", Response: reconcile.AnswerDisputed,
		Comment: "déjà appliqué", File: "actebis-2009-04-20.xlsx", FirstRun: f1.FirstRun, Row: 2}
	commit(Commit{Run: run("2009-04-27-1", "2009-04-27"), Feeds: []string{"actebis"},
		Files:     []FileRecord{{Wholesaler: "actebis", Name: answer.File, SHA256: "resp1", Status: reconcile.Responses}},
		Findings:  reconcile.FindingChanges{Resolved: []reconcile.Finding{resolved}, Changed: []reconcile.Finding{changed}},
		Responses: []reconcile.FindingResponse{answer}, StaleMailed: []string{"ingram"}, StaleCleared: []string{"etc"}})

	got, _ = s.OpenFindings(ctx, []string{"actebis", "ingram"})
	if len(got) != 2 || got[0].ResellerID != "C1" || got[1].ResellerID != "FR-1" {
		t.Fatalf("open findings after week 2: %+v", got)
	}
	if c := got[0]; c.ExpectedCents != 20000 || c.Response != reconcile.AnswerDisputed || c.Comment != "déjà appliqué" ||
		c.AnsweredOn != d("2009-04-27") || c.AnswerFile != answer.File || c.FirstSeen != d("2009-04-20") {
		t.Errorf("f1 after its answer: %+v", c)
	}
	if ok, _ := s.FileProcessed(ctx, "resp1"); !ok {
		t.Error("a response file is not recorded: dropped again, it would be read twice")
	}
	byRef, err := s.FindingsByRef(ctx, "actebis", []string{f2.Ref, "NOSUCHREF", f1.Ref})
	if err != nil || len(byRef) != 2 {
		t.Fatalf("findings by ref: %+v, %v", byRef, err)
	}
	for _, f := range byRef {
		if f.Key() == f2.Key() && (f.Open() || f.ResolvedOn != d("2009-04-27")) {
			t.Errorf("resolved f2 by ref: %+v", f)
		}
	}
	if other, _ := s.FindingsByRef(ctx, "etc", []string{f1.Ref}); len(other) != 0 {
		t.Errorf("another wholesaler's ref found: %+v", other)
	}
	notices, err := s.StaleNotices(ctx)
	if err != nil || !reflect.DeepEqual(notices, map[string]reconcile.Date{"ingram": d("2009-04-27")}) {
		t.Errorf("stale notices: %v, %v", notices, err)
	}

	// Week 3: f2 comes back, a new episode beside the resolved one.
	again := finding("actebis", reconcile.FinancingLate, "C2", "O-1", "2009-05-04", "2009-05-04-1")
	commit(Commit{Run: run("2009-05-04-1", "2009-05-04"), Feeds: []string{"actebis"},
		Findings: reconcile.FindingChanges{New: []reconcile.Finding{again}}})
	h, err := s.ResellerHistory(ctx, "actebis", "C2")
	if err != nil || len(h.Findings) != 2 || h.Findings[0].Open() || !h.Findings[1].Open() || h.Findings[1].Ref == f2.Ref {
		t.Fatalf("episodes of C2: %+v, %v", h.Findings, err)
	}
	if want := []RunRef{{"2009-04-20-1", d("2009-04-20")}, {"2009-04-27-1", d("2009-04-27")}, {"2009-05-04-1", d("2009-05-04")}}; !reflect.DeepEqual(h.Deliveries, want) {
		t.Errorf("deliveries of actebis: %+v", h.Deliveries)
	}
	h, _ = s.ResellerHistory(ctx, "actebis", "C1")
	if len(h.Responses) != 1 || h.Responses[0].Run.AsOf != d("2009-04-27") || h.Responses[0].Response != reconcile.AnswerDisputed ||
		h.Responses[0].Row != 2 || h.Responses[0].FirstRun != f1.FirstRun {
		t.Errorf("responses of C1: %+v", h.Responses)
	}

	// A second open episode of one key is refused by the ledger itself.
	dup := finding("actebis", reconcile.FinancingLate, "C2", "O-1", "2009-05-11", "2009-05-11-1")
	if err := s.Commit(ctx, Commit{Run: run("2009-05-11-1", "2009-05-11"),
		Findings: reconcile.FindingChanges{New: []reconcile.Finding{dup}}}); err == nil {
		t.Error("two open episodes of one finding were accepted")
	}
}

// BenchmarkResellerHistory reads one reseller's history in a ledger of a
// million lines (each with its grant event), 20,000 findings and their
// answers: the indexes make it independent of the ledger's size.
func BenchmarkResellerHistory(b *testing.B) {
	const nLines, nFindings = 1_000_000, 20_000
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "ledger.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	lines := make([]reconcile.LineChange, nLines)
	for i := range lines {
		lines[i] = line(fmt.Sprintf("w%d", i%4), "mezzanine", fmt.Sprintf("R%07d", i), reconcile.Cents(100*(i%50+1)),
			"2009-04-20", "2009-06-30", reconcile.Granted)
		lines[i].Source = reconcile.Source{File: "export.xlsx", Sheet: "Encours", Row: i + 2}
	}
	var fs []reconcile.Finding
	for i := range nFindings {
		fs = append(fs, finding(fmt.Sprintf("w%d", (i*50)%4), reconcile.UnderApplied, fmt.Sprintf("R%07d", i*50), "", "2009-04-20", "2009-04-20-1"))
	}
	if err := s.Commit(ctx, Commit{Run: run("2009-04-20-1", "2009-04-20"), Lines: lines, Feeds: []string{"w0", "w1", "w2", "w3"},
		Findings: reconcile.FindingChanges{New: fs}}); err != nil {
		b.Fatal(err)
	}
	var answers []reconcile.FindingResponse
	for _, f := range fs {
		answers = append(answers, reconcile.FindingResponse{Wholesaler: f.Wholesaler, Kind: f.Kind, ResellerID: f.ResellerID,
			Response: reconcile.AnswerFixed, File: "r.xlsx", FirstRun: f.FirstRun})
	}
	if err := s.Commit(ctx, Commit{Run: run("2009-04-27-1", "2009-04-27"), Responses: answers}); err != nil {
		b.Fatal(err)
	}
	b.Logf("ledger of %d lines and %d findings built in %v", nLines, nFindings, time.Since(start).Round(time.Millisecond))
	b.ResetTimer()
	for b.Loop() {
		h, err := s.ResellerHistory(ctx, "w0", "R0500000")
		if err != nil || len(h.Lines) != 1 || len(h.Findings) != 1 || len(h.Responses) != 1 {
			b.Fatalf("%+v, %v", h, err)
		}
	}
}
