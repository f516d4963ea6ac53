package ledger

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/encours/encours/reconcile"
)

// BenchmarkCommit commits one run of 1,000,000 new lines and 100,000 seen
// orders into a fresh ledger: one transaction, prepared statements.
func BenchmarkCommit(b *testing.B) {
	const nLines, nSeen = 1_000_000, 100_000
	ctx := context.Background()
	lines := make([]reconcile.LineChange, nLines)
	for i := range lines {
		lines[i] = reconcile.LineChange{
			Line: reconcile.Line{Wholesaler: fmt.Sprintf("w%d", i%4), Program: "mezzanine",
				ResellerID: fmt.Sprintf("R%07d", i), Amount: reconcile.Cents(100 * (i%50 + 1)),
				ValidFrom: d("2009-05-04"), ValidUntil: d("2009-06-30"), State: reconcile.Valid,
				Reason: "outstanding 12 340,00 € exceeds insured limit 9 000,00 € by 3 340,00 €"},
			Status: reconcile.Granted,
		}
	}
	seen := make([]reconcile.OrderKey, nSeen)
	ids := make([]string, nSeen)
	for i := range seen {
		ids[i] = fmt.Sprintf("O%07d", i)
		seen[i] = reconcile.OrderKey{Wholesaler: "etc", OrderID: ids[i]}
	}
	n := 0
	for b.Loop() {
		b.StopTimer()
		n++
		s, err := Open(ctx, filepath.Join(b.TempDir(), fmt.Sprintf("ledger%d.db", n)))
		if err != nil {
			b.Fatal(err)
		}
		c := Commit{Run: run("r1", "2009-05-04"), Lines: make([]reconcile.LineChange, nLines), Seen: seen}
		copy(c.Lines, lines)
		b.StartTimer()
		if err := s.Commit(ctx, c); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(nLines+nSeen), "ns/row")
}

// BenchmarkSeenOrders looks up 100,000 order ids among 100,000 seen.
func BenchmarkSeenOrders(b *testing.B) {
	const n = 100_000
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "ledger.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	seen := make([]reconcile.OrderKey, n)
	ids := make([]string, n)
	for i := range seen {
		seen[i] = reconcile.OrderKey{Wholesaler: "etc", OrderID: fmt.Sprintf("O%07d", 2*i)}
		ids[i] = fmt.Sprintf("O%07d", i)
	}
	if err := s.Commit(ctx, Commit{Run: run("r1", "2009-05-04"), Seen: seen}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		got, err := s.SeenOrders(ctx, "etc", ids)
		if err != nil || len(got) != n/2 {
			b.Fatalf("%d, %v", len(got), err)
		}
	}
}

// BenchmarkWaitlist is the waitlist's round trip at half a million
// entries: one run commits them, the next loads them, and a third removes
// a tenth and changes another tenth (the diff a run writes).
func BenchmarkWaitlist(b *testing.B) {
	const n = 500_000
	ctx := context.Background()
	put := make([]reconcile.WaitEntry, n)
	for i := range put {
		put[i] = reconcile.WaitEntry{Wholesaler: "big", Program: "mezzanine", ResellerID: fmt.Sprintf("R%07d", i),
			AmountCents: reconcile.Cents(100 * (i%50 + 1)), ValidUntil: d("2009-06-30"), Since: d("2009-05-04"),
			Seq: int64(i + 1), Claim: "outstanding 12 340,00 € exceeds insured limit 9 000,00 € by 3 340,00 €"}
	}
	var diff reconcile.WaitlistChanges
	for i := 0; i < n; i += 10 {
		diff.Remove = append(diff.Remove, put[i].Key())
		w := put[i+1]
		w.AmountCents += 100
		diff.Put = append(diff.Put, w)
	}
	s, err := Open(ctx, filepath.Join(b.TempDir(), "ledger.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	runs := 0
	commit := func(b *testing.B, ch reconcile.WaitlistChanges) {
		runs++
		if err := s.Commit(ctx, Commit{Run: run(fmt.Sprintf("r%d", runs), "2009-05-04"), Waitlist: ch}); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("commit", func(b *testing.B) {
		for b.Loop() {
			commit(b, reconcile.WaitlistChanges{Put: put})
		}
	})
	b.Run("load", func(b *testing.B) {
		for b.Loop() {
			if w, err := s.Waitlist(ctx); err != nil || len(w) != n {
				b.Fatal(len(w), err)
			}
		}
	})
	b.Run("diff", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			commit(b, reconcile.WaitlistChanges{Put: put})
			b.StartTimer()
			commit(b, diff)
		}
	})
}

// BenchmarkSnapshot copies a ledger of 1,000,000 valid lines (each with
// its grant event) and 100,000 seen orders into a new SQLite file, as a
// run does before its commit: VACUUM INTO on SQLite, Copy from
// PostgreSQL.
func BenchmarkSnapshot(b *testing.B) {
	const nLines, nSeen = 1_000_000, 100_000
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			ctx := context.Background()
			s, _ := be.open(b)
			lines := make([]reconcile.LineChange, nLines)
			for i := range lines {
				lines[i] = line(fmt.Sprintf("w%d", i%4), "mezzanine", fmt.Sprintf("R%07d", i), reconcile.Cents(100*(i%50+1)),
					"2009-05-04", "2009-06-30", reconcile.Granted)
				lines[i].Reason = "outstanding 12 340,00 € exceeds insured limit 9 000,00 € by 3 340,00 €"
				lines[i].Source = reconcile.Source{File: "export.xlsx", Sheet: "Encours", Row: i + 2}
			}
			seen := make([]reconcile.OrderKey, nSeen)
			for i := range seen {
				seen[i] = reconcile.OrderKey{Wholesaler: "etc", OrderID: fmt.Sprintf("O%07d", i)}
			}
			if err := s.Commit(ctx, Commit{Run: run("r1", "2009-05-04"), Lines: lines, Seen: seen}); err != nil {
				b.Fatal(err)
			}
			var size int64
			n := 0
			for b.Loop() {
				n++
				path := filepath.Join(b.TempDir(), fmt.Sprintf("snap%d.db", n))
				if err := s.Snapshot(ctx, path); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if fi, err := os.Stat(path); err == nil {
					size = fi.Size()
				}
				os.Remove(path)
				b.StartTimer()
			}
			b.ReportMetric(float64(size)/(1<<20), "MB")
		})
	}
}
