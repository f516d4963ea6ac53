package ledger

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/encours/encours/reconcile"
)

// fill commits two runs that touch every table.
func fill(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	t0 := time.Date(2009, 5, 4, 5, 0, 0, 0, time.UTC)
	r1 := run("r1", "2009-05-04")
	r1.ScheduledAt = t0
	c1 := Commit{Run: r1, Report: []byte(`{"as_of":"2009-05-04"}`), Replica: "host-a",
		Lines: []reconcile.LineChange{
			line("actebis", "mezzanine", "C1", 340000, "2009-05-04", "2009-06-30", reconcile.Granted),
			line("etc", "oem-office", "É1", 500000, "2009-03-15", "2009-09-14", reconcile.Granted)},
		Seen:   []reconcile.OrderKey{{Wholesaler: "etc", OrderID: "O1"}, {Wholesaler: "etc", OrderID: "O2"}},
		Files:  []FileRecord{{Wholesaler: "etc", Name: "e.xlsx", SHA256: "e1", Status: reconcile.Processed, ArchivedPath: "archive/etc/e.xlsx"}},
		Feeds:  []string{"etc"},
		Outbox: []reconcile.Message{msg("m1@encours", "r1", "etc", "x@etc.example", t0)},
		Waitlist: reconcile.WaitlistChanges{Put: []reconcile.WaitEntry{{Wholesaler: "etc", Program: "oem-office",
			ResellerID: "É2", AmountCents: 500000, ValidUntil: reconcile.MustDate("2009-10-31"),
			Since: reconcile.MustDate("2009-05-04"), Seq: 1, Reason: "claim of É2"}}},
		Resellers: []reconcile.Reseller{{Wholesaler: "etc", ID: "É1", SIREN: "732829320", Name: "Été SARL"}},
		History: []reconcile.ProgramRun{{RunID: "r1", AsOf: reconcile.MustDate("2009-05-04"), Program: "oem-office",
			Lines: 1, Exposure: 500000, Beneficiaries: 1, Granted: 1}},
		Findings: reconcile.FindingChanges{New: []reconcile.Finding{{Discrepancy: reconcile.Discrepancy{
			Wholesaler: "etc", Kind: reconcile.MissingAccount, ResellerID: "É1", Program: "oem-office",
			ExpectedCents: 500000, FirstSeen: reconcile.MustDate("2009-05-04"), Ref: "R1"}}}},
		StaleMailed: []string{"actebis"},
	}
	if err := s.Commit(ctx, c1); err != nil {
		t.Fatal(err)
	}
	inc := c1.Lines[0]
	inc.Amount, inc.Status = 400000, reconcile.Increased
	answer := reconcile.FindingResponse{Wholesaler: "etc", Kind: reconcile.MissingAccount, ResellerID: "É1",
		Program: "oem-office", Response: reconcile.AnswerDisputed, Comment: "client présent", File: "e-answers.xlsx",
		FirstRun: "r1", Row: 2}
	if err := s.Commit(ctx, Commit{Run: run("r2", "2009-05-11"), Lines: []reconcile.LineChange{inc},
		Responses: []reconcile.FindingResponse{answer}}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordAttempt(ctx, "m1@encours", reconcile.MailSent, "", time.Time{}); err != nil {
		t.Fatal(err)
	}
}

func testCopyLedger(t *testing.T, b backend) {
	ctx := context.Background()
	src, _ := b.open(t)
	fill(t, src)

	// The copy registry covers the schema: a table a migration adds and
	// Copy does not know would be left behind.
	got, err := src.schemaTables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(tables)
	slices.Sort(want)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("schema tables %v, Copy knows %v: add the new table to tables in copy.go", got, want)
	}

	for _, to := range backends {
		t.Run("to "+to.name, func(t *testing.T) {
			dst, _ := to.open(t)
			var heard []string
			counts, err := Copy(ctx, dst, src, func(c TableCount) { heard = append(heard, c.Table) })
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(heard, tables) {
				t.Errorf("progress heard %v", heard)
			}
			srcCounts, _ := src.Tables(ctx)
			if !reflect.DeepEqual(counts, srcCounts) {
				t.Errorf("copied %v, source holds %v", counts, srcCounts)
			}
			for _, c := range counts {
				if c.Rows == 0 {
					t.Errorf("table %s copied empty: fill does not cover it", c.Table)
				}
			}
			// What the readers return is the same on both sides.
			for name, read := range map[string]func(*Store) (any, error){
				"ValidLines":  func(s *Store) (any, error) { return s.ValidLines(ctx) },
				"LastRun":     func(s *Store) (any, error) { r, _, err := s.LastRun(ctx); return r, err },
				"LastExports": func(s *Store) (any, error) { return s.LastExports(ctx) },
				"RunMail":     func(s *Store) (any, error) { return s.RunMail(ctx, "r1") },
				"History":     func(s *Store) (any, error) { return s.LineHistory(ctx, 1) },
				"Report":      func(s *Store) (any, error) { r, _, err := s.RunReport(ctx, "r1"); return string(r), err },
				"Tick":        func(s *Store) (any, error) { r, _, err := s.LastScheduled(ctx); return r, err },
				"TickBy":      func(s *Store) (any, error) { return s.LastScheduledBy(ctx) },
				"Waitlist":    func(s *Store) (any, error) { return s.Waitlist(ctx) },
				"Resellers":   func(s *Store) (any, error) { return s.Resellers(ctx) },
				"Programs":    func(s *Store) (any, error) { return s.History(ctx) },
				"Findings":    func(s *Store) (any, error) { return s.OpenFindings(ctx, []string{"etc"}) },
				"Explain":     func(s *Store) (any, error) { return s.ResellerHistory(ctx, "etc", "É1") },
				"Stale":       func(s *Store) (any, error) { return s.StaleNotices(ctx) },
			} {
				a, errA := read(src)
				b, errB := read(dst)
				if errA != nil || errB != nil || !reflect.DeepEqual(a, b) {
					t.Errorf("%s: source %+v (%v), copy %+v (%v)", name, a, errA, b, errB)
				}
			}
			// The copy goes on as the source would: a next run commits.
			lines, _ := dst.ValidLines(ctx)
			ext := reconcile.LineChange{Line: lines[0], Status: reconcile.Extended}
			ext.ValidUntil = d("2009-12-31")
			if err := dst.Commit(ctx, Commit{Run: run("r3", "2009-05-18"), Lines: []reconcile.LineChange{ext,
				line("actebis", "mezzanine", "C9", 1, "2009-05-18", "2009-06-30", reconcile.Granted)}}); err != nil {
				t.Fatal(err)
			}
			if h, _ := dst.LineHistory(ctx, lines[0].ID); len(h) != 3 {
				t.Errorf("history after the next run = %+v", h)
			}

			// A second copy into the same target is refused, naming a table.
			before, _ := dst.Tables(ctx)
			_, err = Copy(ctx, dst, src, nil)
			if !errors.Is(err, ErrNotEmpty) || !strings.Contains(err.Error(), "table runs") {
				t.Fatalf("copy into a full ledger: %v", err)
			}
			if after, _ := dst.Tables(ctx); !reflect.DeepEqual(before, after) {
				t.Errorf("a refused copy wrote: %v → %v", before, after)
			}
		})
	}
}

func testClaimMail(t *testing.T, b backend) {
	ctx := context.Background()
	s, at := b.open(t)
	other, err := b.reopen(ctx, at)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	t0 := time.Date(2009, 5, 4, 5, 0, 0, 0, time.UTC)
	if err := s.Commit(ctx, Commit{Run: run("r1", "2009-05-04"), Outbox: []reconcile.Message{
		msg("m1@encours", "r1", "etc", "x@etc.example", t0)}}); err != nil {
		t.Fatal(err)
	}
	now, lease := t0.Add(time.Minute), t0.Add(11*time.Minute)
	// Two processes claim at once: one wins.
	wins := 0
	for _, st := range []*Store{s, other, s} {
		ok, err := st.ClaimMail(ctx, "m1@encours", now, lease)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			wins++
		}
	}
	if wins != 1 {
		t.Fatalf("%d claims won, want 1", wins)
	}
	if p, _ := s.PendingMail(ctx, now); len(p) != 0 {
		t.Errorf("a claimed message is pending: %+v", p)
	}
	// The claimer died: after the lease the message is due and claimable.
	if p, _ := s.PendingMail(ctx, lease); len(p) != 1 {
		t.Errorf("after the lease: pending %+v", p)
	}
	if ok, _ := other.ClaimMail(ctx, "m1@encours", lease, lease.Add(10*time.Minute)); !ok {
		t.Error("a lapsed claim was not retaken")
	}
	// A sent message is never claimed again.
	if err := other.RecordAttempt(ctx, "m1@encours", reconcile.MailSent, "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.ClaimMail(ctx, "m1@encours", lease.Add(time.Hour), lease.Add(2*time.Hour)); ok {
		t.Error("a sent message was claimed")
	}
}
