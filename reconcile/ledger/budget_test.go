package ledger

import (
	"context"
	"reflect"
	"strconv"
	"testing"

	"github.com/encours/encours/reconcile"
)

func wentry(w, p, r string, amount reconcile.Cents, until, since string, seq int64) reconcile.WaitEntry {
	return reconcile.WaitEntry{Wholesaler: w, Program: p, ResellerID: r, AmountCents: amount,
		ValidUntil: d(until), Since: d(since), Seq: seq, Claim: "claim of " + r}
}

// ranked is an entry as Waitlist returns it.
func ranked(w reconcile.WaitEntry, rank int) reconcile.WaitEntry {
	w.Rank, w.Reason = rank, w.Claim
	return w
}

// testMigrateFromVersion1 writes a ledger as the encours of schema
// version 1 did, then opens it with this one: the data survives and the
// budget tables work.
func testMigrateFromVersion1(t *testing.T, b backend) {
	ctx := context.Background()
	saved := migrations
	migrations = saved[:1]
	old, path := b.open(t)
	var err error
	// The rows as the version-1 code wrote them, by SQL: today's Commit
	// writes columns that later migrations add.
	for _, q := range []string{
		`INSERT INTO runs (id, as_of, started_at, finished_at, status, report) VALUES
			('2009-04-27-1', '2009-04-27', '2009-04-27T05:00:00.000000000Z', '2009-04-27T05:01:00.000000000Z', 'ok', '{"as_of":"2009-04-27"}')`,
		`INSERT INTO lines (id, wholesaler, program, reseller_id, amount_cents, valid_from, valid_until, state, reason, created_run, updated_run) VALUES
			(1, 'actebis', 'mezzanine', 'C1', 340000, '2009-04-27', '2009-06-30', 'valid', 'r', '2009-04-27-1', '2009-04-27-1'),
			(2, 'etc', 'oem-office', 'E1', 500000, '2009-03-15', '2009-09-14', 'valid', 'r', '2009-04-27-1', '2009-04-27-1')`,
		`INSERT INTO line_events (id, line_id, run_id, status, amount_cents, valid_until, reason, at) VALUES
			(1, 1, '2009-04-27-1', 'granted', 340000, '2009-06-30', 'r', '2009-04-27T05:01:00.000000000Z'),
			(2, 2, '2009-04-27-1', 'granted', 500000, '2009-09-14', 'r', '2009-04-27T05:01:00.000000000Z')`,
		`INSERT INTO seen_orders (wholesaler, order_id, run_id) VALUES ('etc', 'O-1', '2009-04-27-1')`,
		`INSERT INTO files (sha256, wholesaler, name, run_id, status) VALUES ('abc', 'etc', 'e.xlsx', '2009-04-27-1', 'processed')`,
		`INSERT INTO feeds (wholesaler, last_as_of) VALUES ('etc', '2009-04-27'), ('actebis', '2009-04-27')`,
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
	if v, _ := s.SchemaVersion(ctx); v != len(migrations) || v < 2 {
		t.Fatalf("version after migration = %d", v)
	}
	lines, err := s.ValidLines(ctx)
	if err != nil || len(lines) != 2 || lines[0].Amount != 340000 || lines[1].ValidUntil != d("2009-09-14") {
		t.Fatalf("lines after migration: %+v, %v", lines, err)
	}
	if h, _ := s.LineHistory(ctx, lines[0].ID); len(h) != 1 || h[0].Status != reconcile.Granted {
		t.Errorf("history after migration: %+v", h)
	}
	if ok, _ := s.FileProcessed(ctx, "abc"); !ok {
		t.Error("processed file forgotten")
	}
	if seen, _ := s.SeenOrders(ctx, "etc", []string{"O-1"}); !seen["O-1"] {
		t.Error("seen order forgotten")
	}
	if rep, ok, _ := s.RunReport(ctx, "2009-04-27-1"); !ok || string(rep) != `{"as_of":"2009-04-27"}` {
		t.Errorf("report after migration: %q", rep)
	}
	if w, err := s.Waitlist(ctx); err != nil || len(w) != 0 {
		t.Errorf("waitlist of a migrated ledger: %+v, %v", w, err)
	}

	// The new tables work on the migrated file, next to the old data.
	c2 := Commit{Run: run("2009-05-04-1", "2009-05-04"),
		Lines: []reconcile.LineChange{line("etc", "oem-office", "E2", 500000, "2009-05-04", "2009-10-31", reconcile.Granted)},
		Waitlist: reconcile.WaitlistChanges{Put: []reconcile.WaitEntry{
			wentry("etc", "oem-office", "E3", 500000, "2009-11-01", "2009-05-04", 1)}},
		Resellers: []reconcile.Reseller{{Wholesaler: "etc", ID: "E1", SIREN: "552100554", Name: "E1 SA"}},
		History:   []reconcile.ProgramRun{{Program: "mezzanine", Lines: 1, Exposure: 340000, Beneficiaries: 1}},
	}
	if err := s.Commit(ctx, c2); err != nil {
		t.Fatal(err)
	}
	if w, err := s.Waitlist(ctx); err != nil || len(w) != 1 || w[0].ResellerID != "E3" || w[0].Rank != 1 {
		t.Errorf("waitlist: %+v, %v", w, err)
	}
	if lines, _ := s.ValidLines(ctx); len(lines) != 3 {
		t.Errorf("lines: %+v", lines)
	}
}

func testWaitlistWrittenAsADiff(t *testing.T, be backend) {
	ctx := context.Background()
	s, _ := be.open(t)
	a := wentry("actebis", "mezzanine", "A1", 100000, "2009-06-30", "2009-04-06", 1)
	b := wentry("etc", "oem-office", "B1", 500000, "2009-10-05", "2009-04-06", 2)
	c := wentry("actebis", "mezzanine", "A2", 200000, "2009-06-30", "2009-04-06", 3)
	e := wentry("etc", "oem-office", "B2", 500000, "2009-10-12", "2009-04-06", 4)
	if err := s.Commit(ctx, Commit{Run: run("r1", "2009-04-06"),
		Waitlist: reconcile.WaitlistChanges{Put: []reconcile.WaitEntry{a, b, c, e}}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Waitlist(ctx)
	want := []reconcile.WaitEntry{ranked(a, 1), ranked(c, 2), ranked(b, 1), ranked(e, 2)}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("waitlist:\n got %+v\nwant %+v (%v)", got, want, err)
	}

	// Run 2: A1 leaves, B2's claim changes, A3 joins; A2 and B1 are not
	// written at all.
	e2 := e
	e2.ValidUntil, e2.Claim = d("2009-11-30"), "a later order"
	a3 := wentry("actebis", "mezzanine", "A3", 300000, "2009-06-30", "2009-04-13", 5)
	if err := s.Commit(ctx, Commit{Run: run("r2", "2009-04-13"), Waitlist: reconcile.WaitlistChanges{
		Put:    []reconcile.WaitEntry{e2, a3},
		Remove: []reconcile.LineKey{a.Key()},
	}}); err != nil {
		t.Fatal(err)
	}
	got, err = s.Waitlist(ctx)
	want = []reconcile.WaitEntry{ranked(c, 1), ranked(a3, 2), ranked(b, 1), ranked(e2, 2)}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("waitlist after run 2:\n got %+v\nwant %+v (%v)", got, want, err)
	}
	var byR2 int
	if err := s.db.QueryRow(`SELECT count(*) FROM waitlist WHERE run_id = 'r2'`).Scan(&byR2); err != nil || byR2 != 2 {
		t.Errorf("run 2 wrote %d entries (%v), want 2: the waitlist is written as a diff", byR2, err)
	}

	// Many removals go in batches; a removal of a key not there is no error.
	var put []reconcile.WaitEntry
	var remove []reconcile.LineKey
	for i := range 1234 {
		w := wentry("big", "mezzanine", "R"+strconv.Itoa(i), 100, "2009-06-30", "2009-04-20", int64(10+i))
		put = append(put, w)
		if i%3 != 0 {
			remove = append(remove, w.Key())
		}
	}
	remove = append(remove, reconcile.LineKey{Wholesaler: "nobody", Program: "x", ResellerID: "y"})
	if err := s.Commit(ctx, Commit{Run: run("r3", "2009-04-20"), Waitlist: reconcile.WaitlistChanges{Put: put}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx, Commit{Run: run("r4", "2009-04-27"), Waitlist: reconcile.WaitlistChanges{Remove: remove}}); err != nil {
		t.Fatal(err)
	}
	var n int
	s.db.QueryRow(`SELECT count(*) FROM waitlist WHERE wholesaler = 'big'`).Scan(&n)
	if n != 412 {
		t.Errorf("%d big entries left, want 412", n)
	}
}

func testResellersAndHistory(t *testing.T, be backend) {
	ctx := context.Background()
	s, _ := be.open(t)
	c1 := Commit{Run: run("r1", "2009-04-06"),
		Resellers: []reconcile.Reseller{
			{Wholesaler: "etc", ID: "R-1", SIREN: "552100554", Name: "Berry SARL"},
			{Wholesaler: "actebis", ID: "C2", SIREN: "", Name: "Sans SIREN"},
			{Wholesaler: "actebis", ID: "C1", SIREN: "443061841", Name: "Data SAS"},
		},
		History: []reconcile.ProgramRun{
			{Program: "mezzanine", Lines: 2, Exposure: 500000, Beneficiaries: 2, Granted: 2},
			{Program: "oem-office", Lines: 1, Exposure: 500000, Beneficiaries: 1, Granted: 1},
		},
	}
	if err := s.Commit(ctx, c1); err != nil {
		t.Fatal(err)
	}
	c2 := Commit{Run: run("r2", "2009-04-13"),
		Resellers:     []reconcile.Reseller{{Wholesaler: "etc", ID: "R-1", SIREN: "552100554", Name: "Berry Informatique SARL"}},
		ResellersGone: []reconcile.Reseller{{Wholesaler: "actebis", ID: "C2"}},
		History: []reconcile.ProgramRun{
			{Program: "mezzanine", Lines: 1, Exposure: 300000, Beneficiaries: 1, Revoked: 1},
			{Program: "oem-office", Lines: 1, Exposure: 500000, Beneficiaries: 1},
		},
	}
	if err := s.Commit(ctx, c2); err != nil {
		t.Fatal(err)
	}
	got, err := s.Resellers(ctx)
	want := []reconcile.Reseller{
		{Wholesaler: "actebis", ID: "C1", SIREN: "443061841", Name: "Data SAS"},
		{Wholesaler: "etc", ID: "R-1", SIREN: "552100554", Name: "Berry Informatique SARL"},
	}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("resellers:\n got %+v\nwant %+v (%v)", got, want, err)
	}
	if r, ok := reconcile.FindReseller(got, "etc", "R-1"); !ok || r.Name != "Berry Informatique SARL" {
		t.Errorf("FindReseller = %+v, %v", r, ok)
	}
	if _, ok := reconcile.FindReseller(got, "actebis", "C2"); ok {
		t.Error("a forgotten reseller was found")
	}
	h, err := s.History(ctx)
	wantH := []reconcile.ProgramRun{
		{RunID: "r1", AsOf: d("2009-04-06"), Program: "mezzanine", Lines: 2, Exposure: 500000, Beneficiaries: 2, Granted: 2},
		{RunID: "r1", AsOf: d("2009-04-06"), Program: "oem-office", Lines: 1, Exposure: 500000, Beneficiaries: 1, Granted: 1},
		{RunID: "r2", AsOf: d("2009-04-13"), Program: "mezzanine", Lines: 1, Exposure: 300000, Beneficiaries: 1, Revoked: 1},
		{RunID: "r2", AsOf: d("2009-04-13"), Program: "oem-office", Lines: 1, Exposure: 500000, Beneficiaries: 1},
	}
	if err != nil || !reflect.DeepEqual(h, wantH) {
		t.Errorf("history:\n got %+v\nwant %+v (%v)", h, wantH, err)
	}
}
