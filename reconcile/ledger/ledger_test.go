package ledger

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/encours/encours/reconcile"
)

var d = reconcile.MustDate

func open(t testing.TB) (*Store, string) {
	t.Helper()
	return sqliteBackend.open(t)
}

func run(id, asOf string) Run {
	start := d(asOf).Time(time.UTC).Add(7 * time.Hour)
	return Run{ID: id, AsOf: d(asOf), StartedAt: start, FinishedAt: start.Add(time.Minute)}
}

func line(w, p, r string, amount reconcile.Cents, from, until string, st reconcile.LineStatus) reconcile.LineChange {
	return reconcile.LineChange{
		Line: reconcile.Line{Wholesaler: w, Program: p, ResellerID: r, Amount: amount,
			ValidFrom: d(from), ValidUntil: d(until), State: reconcile.Valid, Reason: string(st) + " because"},
		Status: st,
	}
}

// dump returns every table's row count, to prove that nothing was written.
func dump(t *testing.T, s *Store) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, tb := range []string{"runs", "lines", "line_events", "files", "seen_orders", "feeds", "outbox", "schedule",
		"waitlist", "resellers", "program_runs",
		"findings", "responses", "deliveries", "stale_notices"} {
		var n int
		if err := s.db.QueryRow("SELECT count(*) FROM " + tb).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[tb] = n
	}
	return out
}

func TestSQLiteOpenMigratesAndReopens(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "dir with ? and #", "ledger.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.SchemaVersion(ctx)
	if err != nil || v != len(migrations) {
		t.Fatalf("version = %d, %v; want %d", v, err, len(migrations))
	}
	var mode string
	if err := s.db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v", mode, err)
	}
	var fk, sync int
	s.db.QueryRow("PRAGMA foreign_keys").Scan(&fk)
	s.db.QueryRow("PRAGMA synchronous").Scan(&sync)
	if fk != 1 || sync != 2 {
		t.Errorf("foreign_keys = %d, synchronous = %d; want 1, 2 (FULL)", fk, sync)
	}
	if err := s.Commit(ctx, Commit{Run: run("r1", "2009-05-04"), Lines: []reconcile.LineChange{
		line("actebis", "mezzanine", "C1", 340000, "2009-05-04", "2009-06-30", reconcile.Granted)}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the ledger is not at the path given: %v", err)
	}

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	lines, err := s.ValidLines(ctx)
	if err != nil || len(lines) != 1 || lines[0].Amount != 340000 {
		t.Fatalf("after reopen: %+v, %v", lines, err)
	}
}

func testOpenAppliesNewMigrationsInOrder(t *testing.T, b backend) {
	ctx := context.Background()
	s, path := b.open(t)
	if err := s.Commit(ctx, Commit{Run: run("r1", "2009-05-04")}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	saved := migrations
	defer func() { migrations = saved }()
	migrations = append(append([]string(nil), saved...),
		`CREATE TABLE extra (n INTEGER); INSERT INTO extra VALUES (1)`,
		`UPDATE extra SET n = n * 10`,
		`UPDATE extra SET n = n + 2`,
	)
	s, err := b.reopen(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var n int
	if err := s.db.QueryRow(`SELECT n FROM extra`).Scan(&n); err != nil || n != 12 {
		t.Fatalf("extra = %d, %v; want 12 (applied once each, in order)", n, err)
	}
	if v, _ := s.SchemaVersion(ctx); v != len(migrations) {
		t.Errorf("version = %d", v)
	}
	if last, ok, _ := s.LastRun(ctx); !ok || last.ID != "r1" {
		t.Errorf("data lost in migration: %+v", last)
	}
}

func testOpenRollsBackAFailedMigration(t *testing.T, b backend) {
	ctx := context.Background()
	s, path := b.open(t)
	s.Close()
	saved := migrations
	defer func() { migrations = saved }()
	migrations = append(append([]string(nil), saved...), `CREATE TABLE half (n INTEGER); SELECT * FROM no_such_table`)
	if _, err := b.reopen(ctx, path); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("version %d", len(saved)+1)) {
		t.Fatalf("err = %v", err)
	}
	migrations = saved
	s, err := b.reopen(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, _ := s.SchemaVersion(ctx); v != len(saved) {
		t.Errorf("version after a failed migration = %d", v)
	}
	if tableExists(t, s, "half") {
		t.Error("a failed migration left a table behind")
	}
}

func testOpenRefusesNewerSchema(t *testing.T, b backend) {
	ctx := context.Background()
	s, path := b.open(t)
	setVersion(t, s, len(migrations)+1)
	s.Close()
	_, err := b.reopen(ctx, path)
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("err = %v; want ErrSchemaTooNew", err)
	}
	if !strings.Contains(err.Error(), "upgrade encours") {
		t.Errorf("message does not say what to do: %v", err)
	}
}

func TestSQLiteOpenMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "ledger.db")
	if _, err := Open(context.Background(), path); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("err = %v", err)
	}
}

func TestSQLiteOpenRefusesNonDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	if err := os.WriteFile(path, []byte(strings.Repeat("not a database ", 100)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(context.Background(), path); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v; want an error naming the file", err)
	}
}

func testCommitLinesAndHistory(t *testing.T, b backend) {
	ctx := context.Background()
	s, _ := b.open(t)

	// Run 1 grants two lines.
	c1 := Commit{Run: run("r1", "2009-05-04"), Report: []byte(`{"as_of":"2009-05-04"}`), Lines: []reconcile.LineChange{
		line("actebis", "mezzanine", "C2", 100000, "2009-05-04", "2009-06-30", reconcile.Granted),
		line("actebis", "mezzanine", "C1", 340000, "2009-05-04", "2009-06-30", reconcile.Granted),
		line("etc", "oem-office", "E1", 500000, "2009-03-15", "2009-09-14", reconcile.Granted),
	}}
	if err := s.Commit(ctx, c1); err != nil {
		t.Fatal(err)
	}
	for i, l := range c1.Lines {
		if l.ID == 0 {
			t.Fatalf("line %d has no id after commit", i)
		}
		if h, err := s.LineHistory(ctx, l.ID); err != nil || len(h) != 1 || h[0].Amount != l.Amount {
			t.Fatalf("history of new line %d = %+v, %v", l.ID, h, err)
		}
	}
	got, err := s.ValidLines(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, l := range got {
		keys = append(keys, keyString(l))
	}
	if want := "actebis/mezzanine/C1 actebis/mezzanine/C2 etc/oem-office/E1"; strings.Join(keys, " ") != want {
		t.Fatalf("order = %v; want %s", keys, want)
	}
	if want := c1.Lines[1].Line; !reflect.DeepEqual(got[0], want) {
		t.Fatalf("read back %+v; want %+v", got[0], want)
	}

	// Run 2: C1 increased, C2 untouched (active), E1 extended.
	c1Line, c2Line, e1Line := c1.Lines[1], c1.Lines[0], c1.Lines[2]
	inc := c1Line
	inc.Amount, inc.Status, inc.Reason = 500000, reconcile.Increased, "raised"
	same := c2Line
	same.Status, same.Reason, same.Amount = reconcile.Unchanged, "must not be written", 1
	ext := e1Line
	ext.ValidUntil, ext.Status = d("2009-11-30"), reconcile.Extended
	if err := s.Commit(ctx, Commit{Run: run("r2", "2009-05-11"), Lines: []reconcile.LineChange{inc, same, ext}}); err != nil {
		t.Fatal(err)
	}

	// Run 3: C1 revoked, E1 expired.
	rev := inc
	rev.State, rev.Status = reconcile.Revoked, reconcile.Withdrawn
	exp := ext
	exp.State, exp.Status = reconcile.Expired, reconcile.Ended
	if err := s.Commit(ctx, Commit{Run: run("r3", "2009-12-01"), Lines: []reconcile.LineChange{rev, exp}}); err != nil {
		t.Fatal(err)
	}

	got, err = s.ValidLines(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != c2Line.ID || got[0].Amount != 100000 || got[0].Reason != c2Line.Reason {
		t.Fatalf("valid lines after run 3 = %+v; want only C2 unchanged", got)
	}

	h, err := s.LineHistory(ctx, c1Line.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []Event{
		{RunID: "r1", Status: reconcile.Granted, Amount: 340000, ValidUntil: d("2009-06-30"), Reason: "granted because", At: run("r1", "2009-05-04").FinishedAt},
		{RunID: "r2", Status: reconcile.Increased, Amount: 500000, ValidUntil: d("2009-06-30"), Reason: "raised", At: run("r2", "2009-05-11").FinishedAt},
		{RunID: "r3", Status: reconcile.Withdrawn, Amount: 500000, ValidUntil: d("2009-06-30"), Reason: "raised", At: run("r3", "2009-12-01").FinishedAt},
	}
	if !reflect.DeepEqual(h, want) {
		t.Fatalf("history = %+v\nwant %+v", h, want)
	}
	if h, _ := s.LineHistory(ctx, c2Line.ID); len(h) != 1 {
		t.Errorf("an active line got history: %+v", h)
	}
	if h, _ := s.LineHistory(ctx, e1Line.ID); len(h) != 3 || h[1].ValidUntil != d("2009-11-30") || h[2].Status != reconcile.Ended {
		t.Errorf("E1 history = %+v", h)
	}

	// The last run and the first as-of.
	last, ok, err := s.LastRun(ctx)
	if err != nil || !ok || !reflect.DeepEqual(last, Run{ID: "r3", AsOf: d("2009-12-01"), StartedAt: run("r3", "2009-12-01").StartedAt,
		FinishedAt: run("r3", "2009-12-01").FinishedAt, Status: "done"}) {
		t.Errorf("LastRun = %+v, %v, %v", last, ok, err)
	}
	first, ok, err := s.FirstRunAsOf(ctx)
	if err != nil || !ok || first != d("2009-05-04") {
		t.Errorf("FirstRunAsOf = %v, %v, %v", first, ok, err)
	}
	rep, ok, err := s.RunReport(ctx, "r1")
	if err != nil || !ok || string(rep) != `{"as_of":"2009-05-04"}` {
		t.Errorf("RunReport = %s, %v, %v", rep, ok, err)
	}
}

func testCommitManyLines(t *testing.T, b backend) {
	// More lines than one batch holds: IDs, order and history line up.
	ctx := context.Background()
	s, _ := b.open(t)
	var c Commit
	for r, n := range []int{1, 250, 100} {
		c = Commit{Run: run(fmt.Sprintf("r%d", r), "2009-05-04")}
		for i := range n {
			c.Lines = append(c.Lines, line("w", fmt.Sprint("p", r), fmt.Sprintf("R%03d", i), reconcile.Cents(i+1),
				"2009-05-04", "2009-06-30", reconcile.Granted))
		}
		if err := s.Commit(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.ValidLines(ctx)
	if err != nil || len(got) != 351 {
		t.Fatalf("%d lines, %v", len(got), err)
	}
	ids := map[int64]bool{}
	for _, l := range got {
		ids[l.ID] = true
	}
	if len(ids) != 351 {
		t.Errorf("%d distinct ids for 351 lines", len(ids))
	}
	for _, l := range c.Lines {
		h, err := s.LineHistory(ctx, l.ID)
		if err != nil || len(h) != 1 || h[0].Amount != l.Amount || h[0].RunID != "r2" {
			t.Fatalf("line %d %s: history %+v, %v", l.ID, keyString(l.Line), h, err)
		}
	}
}

func testEmptyLedger(t *testing.T, b backend) {
	ctx := context.Background()
	s, _ := b.open(t)
	if _, ok, err := s.LastRun(ctx); ok || err != nil {
		t.Errorf("LastRun on an empty ledger: %v, %v", ok, err)
	}
	if _, ok, err := s.FirstRunAsOf(ctx); ok || err != nil {
		t.Errorf("FirstRunAsOf on an empty ledger: %v, %v", ok, err)
	}
	if _, ok, err := s.LastScheduled(ctx); ok || err != nil {
		t.Errorf("LastScheduled on an empty ledger: %v, %v", ok, err)
	}
	if l, err := s.ValidLines(ctx); len(l) != 0 || err != nil {
		t.Errorf("ValidLines on an empty ledger: %v, %v", l, err)
	}
	if m, err := s.LastExports(ctx); len(m) != 0 || err != nil {
		t.Errorf("LastExports on an empty ledger: %v, %v", m, err)
	}
	if m, err := s.SeenOrders(ctx, "etc", nil); len(m) != 0 || err != nil {
		t.Errorf("SeenOrders(nil): %v, %v", m, err)
	}
}

func testScheduledRun(t *testing.T, b backend) {
	ctx := context.Background()
	s, _ := b.open(t)
	r := run("r1", "2009-05-04")
	r.ScheduledAt = time.Date(2009, 5, 4, 5, 0, 0, 0, time.UTC)
	r.Status = "done with warnings"
	if err := s.Commit(ctx, Commit{Run: r}); err != nil {
		t.Fatal(err)
	}
	got, _, err := s.LastRun(ctx)
	if err != nil || !reflect.DeepEqual(got, r) {
		t.Fatalf("LastRun = %+v, %v; want %+v", got, err, r)
	}
}

func testOneValidLinePerKey(t *testing.T, b backend) {
	ctx := context.Background()
	s, _ := b.open(t)
	c := Commit{Run: run("r1", "2009-05-04"), Lines: []reconcile.LineChange{
		line("etc", "oem-office", "E1", 500000, "2009-03-15", "2009-05-03", reconcile.Granted)}}
	if err := s.Commit(ctx, c); err != nil {
		t.Fatal(err)
	}

	// A second valid line for the same key is refused...
	err := s.Commit(ctx, Commit{Run: run("r2", "2009-05-05"), Lines: []reconcile.LineChange{
		line("etc", "oem-office", "E1", 500000, "2009-05-05", "2009-11-04", reconcile.Granted)}})
	if err == nil || !strings.Contains(err.Error(), "already holds a valid line") {
		t.Fatalf("err = %v; want the unique valid line refused", err)
	}

	// ...but in the run that expires the old one, a new one may take its
	// place, whatever the order of the changes.
	old := c.Lines[0]
	old.State, old.Status = reconcile.Expired, reconcile.Ended
	fresh := line("etc", "oem-office", "E1", 500000, "2009-05-05", "2009-11-04", reconcile.Granted)
	if err := s.Commit(ctx, Commit{Run: run("r2", "2009-05-05"), Lines: []reconcile.LineChange{fresh, old}}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.ValidLines(ctx)
	if len(got) != 1 || got[0].ValidFrom != d("2009-05-05") {
		t.Fatalf("valid lines = %+v", got)
	}
	// In a commit of several batches, the error names the line at fault.
	var many []reconcile.LineChange
	for i := range 250 {
		many = append(many, line("etc", "bulk", fmt.Sprintf("B%03d", i), 1, "2009-05-05", "2009-11-04", reconcile.Granted))
	}
	many[180].Program, many[180].ResellerID = "oem-office", "E1"
	before := dump(t, s)
	err = s.Commit(ctx, Commit{Run: run("r3", "2009-05-05"), Lines: many})
	if err == nil || !strings.Contains(err.Error(), "insert line etc/oem-office/E1: the ledger already holds a valid line") {
		t.Fatalf("err = %v; want the line at fault named", err)
	}
	if after := dump(t, s); !reflect.DeepEqual(before, after) {
		t.Errorf("a refused commit wrote: %v → %v", before, after)
	}

	// Another program or reseller is another key.
	if err := s.Commit(ctx, Commit{Run: run("r3", "2009-05-05"), Lines: []reconcile.LineChange{
		line("etc", "other", "E1", 1, "2009-05-05", "2009-11-04", reconcile.Granted),
		line("etc", "oem-office", "E2", 1, "2009-05-05", "2009-11-04", reconcile.Granted),
		line("actebis", "oem-office", "E1", 1, "2009-05-05", "2009-11-04", reconcile.Granted),
	}}); err != nil {
		t.Fatal(err)
	}
}

func testAsOfBackwardsRefused(t *testing.T, b backend) {
	ctx := context.Background()
	s, _ := b.open(t)
	if err := s.Commit(ctx, Commit{Run: run("r1", "2009-05-04")}); err != nil {
		t.Fatal(err)
	}
	// The same as-of again is allowed (a second run on the same day).
	if err := s.Commit(ctx, Commit{Run: run("r2", "2009-05-04")}); err != nil {
		t.Fatal(err)
	}
	before := dump(t, s)
	err := s.Commit(ctx, Commit{Run: run("r3", "2009-05-03"), Seen: []reconcile.OrderKey{{Wholesaler: "etc", OrderID: "O1"}}})
	if !errors.Is(err, ErrAsOfBackwards) {
		t.Fatalf("err = %v; want ErrAsOfBackwards", err)
	}
	var e *AsOfBackwardsError
	if !errors.As(err, &e) || e.AsOf != d("2009-05-03") || e.Last != d("2009-05-04") {
		t.Fatalf("err = %#v", err)
	}
	for _, s := range []string{"2009-05-03", "2009-05-04", "--as-of"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("message %q lacks %q", err, s)
		}
	}
	if after := dump(t, s); !reflect.DeepEqual(before, after) {
		t.Errorf("a refused commit wrote: %v → %v", before, after)
	}
}

func testSeenOrders(t *testing.T, b backend) {
	ctx := context.Background()
	s, _ := b.open(t)
	var seen []reconcile.OrderKey
	for i := range 1234 {
		seen = append(seen, reconcile.OrderKey{Wholesaler: "etc", OrderID: fmt.Sprintf("O%05d", i*2)})
	}
	seen = append(seen, reconcile.OrderKey{Wholesaler: "actebis", OrderID: "O00001"})
	// Seeing an order twice in one commit is harmless.
	seen = append(seen, seen[0])
	if err := s.Commit(ctx, Commit{Run: run("r1", "2009-05-04"), Seen: seen}); err != nil {
		t.Fatal(err)
	}
	// Seeing it again in a later run keeps the first.
	if err := s.Commit(ctx, Commit{Run: run("r2", "2009-05-05"), Seen: seen[:3]}); err != nil {
		t.Fatal(err)
	}
	var runID string
	s.db.QueryRow(`SELECT run_id FROM seen_orders WHERE wholesaler = 'etc' AND order_id = 'O00000'`).Scan(&runID)
	if runID != "r1" {
		t.Errorf("seen order moved to run %q", runID)
	}

	for _, n := range []int{1, 499, 500, 501, 2600} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var ids []string
			for i := range n {
				ids = append(ids, fmt.Sprintf("O%05d", i))
			}
			got, err := s.SeenOrders(ctx, "etc", ids)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]bool{}
			for i := 0; i < n && i < 2468; i += 2 {
				want[fmt.Sprintf("O%05d", i)] = true
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got %d seen, want %d", len(got), len(want))
			}
		})
	}
	got, err := s.SeenOrders(ctx, "actebis", []string{"O00000", "O00001"})
	if err != nil || !reflect.DeepEqual(got, map[string]bool{"O00001": true}) {
		t.Errorf("another wholesaler's orders leak: %v, %v", got, err)
	}
}

func TestSQLiteSeenOrdersUsesThePrimaryKey(t *testing.T) {
	s, _ := sqliteBackend.open(t)
	rows, err := s.db.Query(`EXPLAIN QUERY PLAN SELECT order_id FROM seen_orders WHERE wholesaler = ? AND order_id IN (?, ?, ?)`,
		"etc", "a", "b", "c")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		rows.Scan(&id, &parent, &notused, &detail)
		plan = append(plan, detail)
	}
	if p := strings.Join(plan, "; "); !strings.Contains(p, "PRIMARY KEY") || strings.Contains(p, "SCAN seen_orders") {
		t.Errorf("plan = %s; want a primary key search", p)
	}
}

func testFilesAndFeeds(t *testing.T, b backend) {
	ctx := context.Background()
	s, _ := b.open(t)
	files := []FileRecord{
		{Wholesaler: "actebis", Name: "a.xlsx", SHA256: "aaa", Status: reconcile.Processed, ArchivedPath: "archive/actebis/2009-05-04/a.xlsx"},
		{Wholesaler: "actebis", Name: "copy of a.xlsx", SHA256: "aaa", Status: reconcile.Processed},
		{Wholesaler: "etc", Name: "bad.xlsx", SHA256: "bbb", Status: reconcile.Quarantined},
		{Wholesaler: "etc", Name: "young.xlsx", SHA256: "ccc", Status: reconcile.Deferred},
		{Wholesaler: "etc", Name: "e.xlsx", SHA256: "eee", Status: reconcile.Processed},
	}
	err := s.Commit(ctx, Commit{Run: run("r1", "2009-05-04"), Files: files, Feeds: []string{"actebis", "etc"}})
	if err != nil {
		t.Fatal(err)
	}
	for sha, want := range map[string]bool{"aaa": true, "eee": true, "bbb": false, "ccc": false, "zzz": false} {
		if got, err := s.FileProcessed(ctx, sha); err != nil || got != want {
			t.Errorf("FileProcessed(%s) = %v, %v; want %v", sha, got, err, want)
		}
	}
	var name string
	s.db.QueryRow(`SELECT name FROM files WHERE sha256 = 'aaa'`).Scan(&name)
	if name != "a.xlsx" {
		t.Errorf("the first processed copy should stay recorded, got %q", name)
	}

	// A later run: the duplicate is not re-inserted, the fixed copy of the
	// quarantined file is accepted, and only etc delivered.
	files = []FileRecord{
		{Wholesaler: "actebis", Name: "a.xlsx", SHA256: "aaa", Status: reconcile.Duplicate, ArchivedPath: "elsewhere"},
		{Wholesaler: "etc", Name: "bad.xlsx", SHA256: "bbb", Status: reconcile.Processed},
	}
	if err := s.Commit(ctx, Commit{Run: run("r2", "2009-05-11"), Files: files, Feeds: []string{"etc"}}); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.FileProcessed(ctx, "bbb"); !ok {
		t.Error("a file quarantined earlier and processed now is not recorded")
	}
	got, err := s.LastExports(ctx)
	if err != nil || !reflect.DeepEqual(got, map[string]reconcile.Date{"actebis": d("2009-05-04"), "etc": d("2009-05-11")}) {
		t.Errorf("LastExports = %v, %v", got, err)
	}
}

func testLastScheduled(t *testing.T, b backend) {
	ctx := context.Background()
	s, _ := b.open(t)
	paris, _ := time.LoadLocation("Europe/Paris")
	for _, tick := range []time.Time{
		time.Date(2009, 5, 4, 7, 0, 0, 0, paris),
		time.Date(2009, 5, 11, 7, 0, 0, 500, paris),
	} {
		if err := s.SetLastScheduled(ctx, tick); err != nil {
			t.Fatal(err)
		}
		got, ok, err := s.LastScheduled(ctx)
		if err != nil || !ok || !got.Equal(tick) {
			t.Errorf("LastScheduled = %v, %v, %v; want %v", got, ok, err, tick)
		}
	}
}

func msg(id, runID, w, to string, created time.Time) reconcile.Message {
	return reconcile.Message{ID: id, RunID: runID, Wholesaler: w, Recipient: to, Subject: "Lignes " + w,
		EML: []byte("Subject: x\r\n\r\nbody " + id), CreatedAt: created}
}

func testOutboxLifecycle(t *testing.T, b backend) {
	ctx := context.Background()
	s, _ := b.open(t)
	t0 := time.Date(2009, 5, 4, 5, 0, 0, 0, time.UTC)
	now := t0
	s.Now = func() time.Time { return now }

	msgs := []reconcile.Message{
		msg("m2@encours", "r1", "etc", "credit@etc.example", t0.Add(time.Second)),
		msg("m1@encours", "r1", "actebis", "credit@actebis.example", t0),
		msg("pm@encours", "r1", "", "pm@vendor.example", t0.Add(2*time.Second)),
	}
	if err := s.Commit(ctx, Commit{Run: run("r1", "2009-05-04"), Outbox: msgs}); err != nil {
		t.Fatal(err)
	}

	pending, err := s.PendingMail(ctx, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range pending {
		ids = append(ids, m.ID)
		if m.Status != reconcile.MailQueued || m.Attempts != 0 || len(m.EML) == 0 {
			t.Errorf("pending %+v", m)
		}
	}
	if strings.Join(ids, " ") != "m1@encours m2@encours pm@encours" {
		t.Fatalf("pending = %v; want oldest first", ids)
	}
	if p, _ := s.PendingMail(ctx, t0.Add(-time.Second)); len(p) != 0 {
		t.Errorf("messages due before they were created: %v", p)
	}

	// m1 is sent; m2 fails once and is retried later; pm fails for good.
	now = t0.Add(time.Minute)
	if err := s.RecordAttempt(ctx, "m1@encours", reconcile.MailSent, "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	retry := t0.Add(10 * time.Minute)
	if err := s.RecordAttempt(ctx, "m2@encours", reconcile.MailQueued, "421 try later", retry); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordAttempt(ctx, "pm@encours", reconcile.MailFailed, "550 no such user", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordAttempt(ctx, "nobody@encours", reconcile.MailSent, "", time.Time{}); !errors.Is(err, ErrUnknownMessage) {
		t.Errorf("unknown message: err = %v", err)
	}
	var sentAt sql.NullString
	s.db.QueryRow(`SELECT sent_at FROM outbox WHERE message_id = 'm1@encours'`).Scan(&sentAt)
	if sentAt.String != fmtTime(now) {
		t.Errorf("sent_at = %v; want %s", sentAt, fmtTime(now))
	}

	if p, _ := s.PendingMail(ctx, retry.Add(-time.Nanosecond)); len(p) != 0 {
		t.Errorf("m2 due before its retry time: %v", p)
	}
	p, _ := s.PendingMail(ctx, retry)
	if len(p) != 1 || p[0].ID != "m2@encours" || p[0].Attempts != 1 || p[0].LastError != "421 try later" || !p[0].NextAttempt.Equal(retry) {
		t.Fatalf("pending at retry = %+v", p)
	}

	// Committing the same message id again (a retried run) changes nothing.
	again := msg("m1@encours", "r2", "actebis", "credit@actebis.example", t0.Add(time.Hour))
	if err := s.Commit(ctx, Commit{Run: run("r2", "2009-05-04"), Outbox: []reconcile.Message{again}}); err != nil {
		t.Fatal(err)
	}

	got, err := s.RunMail(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		ID, Wholesaler string
		Status         reconcile.MailStatus
		Attempts       int
		Err            string
		EML            int
	}
	var rows []row
	for _, m := range got {
		rows = append(rows, row{m.ID, m.Wholesaler, m.Status, m.Attempts, m.LastError, len(m.EML)})
	}
	want := []row{
		{"pm@encours", "", reconcile.MailFailed, 1, "550 no such user", 0},
		{"m1@encours", "actebis", reconcile.MailSent, 1, "", 0},
		{"m2@encours", "etc", reconcile.MailQueued, 1, "421 try later", 0},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("RunMail = %+v\nwant %+v", rows, want)
	}
	if m, _ := s.RunMail(ctx, "r2"); len(m) != 0 {
		t.Errorf("the re-committed message moved to r2: %+v", m)
	}

	// Giving up: only queued messages created before the cutoff fail.
	n, err := s.MarkFailedOlderThan(ctx, t0.Add(time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("MarkFailedOlderThan = %d, %v; want 1", n, err)
	}
	got, _ = s.RunMail(ctx, "r1")
	m2 := got[2]
	if m2.Status != reconcile.MailFailed || !strings.HasPrefix(m2.LastError, "gave up after 1 attempt since ") ||
		!strings.HasSuffix(m2.LastError, ": 421 try later") {
		t.Errorf("m2 after giving up = %+v", m2)
	}
	if got[1].Status != reconcile.MailSent {
		t.Errorf("a sent message was touched: %+v", got[1])
	}
	if p, _ := s.PendingMail(ctx, t0.Add(24*time.Hour)); len(p) != 0 {
		t.Errorf("pending after giving up: %v", p)
	}
}

// TestCommitIsAtomic fails a commit at every stage, and with a constraint
// violation in the middle, and checks that nothing at all was written.
func testCommitIsAtomic(t *testing.T, b backend) {
	ctx := context.Background()
	full := func(id string) Commit {
		return Commit{
			Run:    run(id, "2009-05-11"),
			Report: []byte("{}"),
			Lines: []reconcile.LineChange{
				line("actebis", "mezzanine", "C9", 100, "2009-05-11", "2009-06-30", reconcile.Granted)},
			Seen:   []reconcile.OrderKey{{Wholesaler: "etc", OrderID: "O9"}},
			Files:  []FileRecord{{Wholesaler: "etc", Name: "e.xlsx", SHA256: "e9", Status: reconcile.Processed}},
			Feeds:  []string{"etc"},
			Outbox: []reconcile.Message{msg("m9@encours", id, "etc", "x@etc.example", time.Time{})},
			Waitlist: reconcile.WaitlistChanges{Put: []reconcile.WaitEntry{
				wentry("etc", "oem-office", "E7", 500000, "2009-11-10", "2009-05-11", 1)}},
			Resellers: []reconcile.Reseller{{Wholesaler: "etc", ID: "E7", SIREN: "552100554", Name: "E7 SARL"}},
			History:   []reconcile.ProgramRun{{Program: "oem-office", Lines: 1, Exposure: 500000, Beneficiaries: 1}},
			Findings: reconcile.FindingChanges{New: []reconcile.Finding{{Discrepancy: reconcile.Discrepancy{
				Wholesaler: "etc", Kind: reconcile.MissingAccount, ResellerID: "E9", FirstSeen: d("2009-05-11"), Ref: "R9"}}}},
			StaleMailed: []string{"actebis"},
		}
	}
	setup := func(t *testing.T) (*Store, reconcile.LineChange) {
		s, _ := b.open(t)
		c := Commit{Run: run("r1", "2009-05-04"), Lines: []reconcile.LineChange{
			line("etc", "oem-office", "E1", 500000, "2009-03-15", "2009-09-14", reconcile.Granted)}}
		if err := s.Commit(ctx, c); err != nil {
			t.Fatal(err)
		}
		return s, c.Lines[0]
	}
	check := func(t *testing.T, s *Store, before map[string]int, e1 reconcile.LineChange) {
		t.Helper()
		if after := dump(t, s); !reflect.DeepEqual(before, after) {
			t.Errorf("a failed commit wrote: %v → %v", before, after)
		}
		lines, _ := s.ValidLines(ctx)
		if len(lines) != 1 || lines[0] != e1.Line {
			t.Errorf("lines after a failed commit = %+v", lines)
		}
		if h, _ := s.LineHistory(ctx, e1.ID); len(h) != 1 {
			t.Errorf("history after a failed commit = %+v", h)
		}
		if last, _, _ := s.LastRun(ctx); last.ID != "r1" {
			t.Errorf("last run after a failed commit = %q", last.ID)
		}
		// And the same commit goes through afterwards.
		if err := s.Commit(ctx, full("r2")); err != nil {
			t.Errorf("retry after a failed commit: %v", err)
		}
	}

	for _, stage := range []string{"run", "lines", "budgets", "seen", "files", "outbox"} {
		t.Run("crash after "+stage, func(t *testing.T) {
			s, e1 := setup(t)
			before := dump(t, s)
			crash := errors.New("crash")
			commitHook = func(st string) error {
				if st == stage {
					return crash
				}
				return nil
			}
			defer func() { commitHook = nil }()
			c := full("r2")
			ext := e1
			ext.ValidUntil, ext.Status = d("2009-11-10"), reconcile.Extended
			c.Lines = append(c.Lines, ext)
			if err := s.Commit(ctx, c); !errors.Is(err, crash) {
				t.Fatalf("err = %v", err)
			}
			if c.Lines[0].ID != 0 {
				t.Errorf("a failed commit handed out line id %d", c.Lines[0].ID)
			}
			commitHook = nil
			check(t, s, before, e1)
		})
	}

	t.Run("cancelled", func(t *testing.T) {
		s, e1 := setup(t)
		before := dump(t, s)
		cctx, cancel := context.WithCancel(ctx)
		commitHook = func(st string) error {
			if st == "lines" {
				cancel()
			}
			return nil
		}
		defer func() { commitHook = nil }()
		if err := s.Commit(cctx, full("r2")); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v; want context.Canceled", err)
		}
		commitHook = nil
		check(t, s, before, e1)
	})

	t.Run("constraint violation midway", func(t *testing.T) {
		s, e1 := setup(t)
		before := dump(t, s)
		c := full("r2")
		// A second valid line for E1: the lines stage fails after the run
		// row and the first line were written.
		c.Lines = append(c.Lines, line("etc", "oem-office", "E1", 1, "2009-05-11", "2009-11-10", reconcile.Granted))
		if err := s.Commit(ctx, c); err == nil {
			t.Fatal("commit with a second valid line for a key succeeded")
		}
		check(t, s, before, e1)
	})

	t.Run("update of an unknown line", func(t *testing.T) {
		s, e1 := setup(t)
		before := dump(t, s)
		c := full("r2")
		ghost := e1
		ghost.ID, ghost.Status = 999, reconcile.Increased
		c.Lines = append(c.Lines, ghost)
		if err := s.Commit(ctx, c); err == nil || !strings.Contains(err.Error(), "no such line") {
			t.Fatalf("err = %v", err)
		}
		check(t, s, before, e1)
	})
}

func testConcurrentOpen(t *testing.T, b backend) {
	// Two stores on one file (a daemon and a `run` in another process) see
	// each other's commits.
	ctx := context.Background()
	a, path := b.open(t)
	b2, err := b.reopen(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b2.Close()
	if err := a.Commit(ctx, Commit{Run: run("r1", "2009-05-04"), Seen: []reconcile.OrderKey{{Wholesaler: "etc", OrderID: "O1"}}}); err != nil {
		t.Fatal(err)
	}
	if got, err := b2.SeenOrders(ctx, "etc", []string{"O1"}); err != nil || !got["O1"] {
		t.Fatalf("other store: %v, %v", got, err)
	}
	if err := b2.Commit(ctx, Commit{Run: run("r2", "2009-05-01")}); !errors.Is(err, ErrAsOfBackwards) {
		t.Fatalf("other store: err = %v", err)
	}
}

func testRunReportGzip(t *testing.T, b backend) {
	// A report committed gzip-compressed reads back as its JSON.
	ctx := context.Background()
	s, _ := b.open(t)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(`{"as_of":"2009-05-04"}`))
	zw.Close()
	if err := s.Commit(ctx, Commit{Run: run("r1", "2009-05-04"), Report: buf.Bytes()}); err != nil {
		t.Fatal(err)
	}
	rep, ok, err := s.RunReport(ctx, "r1")
	if err != nil || !ok || string(rep) != `{"as_of":"2009-05-04"}` {
		t.Errorf("RunReport = %s, %v, %v", rep, ok, err)
	}
}

// TestSQLiteOpensLedgerFileOfVersion1 opens a ledger file written by encours before
// the PostgreSQL driver (testdata/v1.db: PRAGMA user_version 1, one run),
// migrates it and goes on committing runs into it.
func TestSQLiteOpensLedgerFileOfVersion1(t *testing.T) {
	ctx := context.Background()
	src, err := os.ReadFile(filepath.Join("testdata", "v1.db"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ledger.db")
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(migrations) {
		t.Fatalf("version = %d, %v; want %d", v, err, len(migrations))
	}
	lines, err := s.ValidLines(ctx)
	if err != nil || len(lines) != 1 || lines[0].ResellerID != "C1" || lines[0].Amount != 340000 {
		t.Fatalf("lines = %+v, %v", lines, err)
	}
	if last, ok, err := s.LastRun(ctx); err != nil || !ok || last.ID != "2009-05-04-1" {
		t.Fatalf("last run = %+v, %v, %v", last, ok, err)
	}
	if tick, ok, err := s.LastScheduled(ctx); err != nil || !ok || !tick.Equal(time.Date(2009, 5, 4, 7, 0, 0, 0, time.UTC)) {
		t.Fatalf("last tick = %v, %v, %v", tick, ok, err)
	}
	if ok, err := s.FileProcessed(ctx, "aaa"); err != nil || !ok {
		t.Fatalf("file aaa processed = %v, %v", ok, err)
	}
	// The next run increases the old line and grants a new one: both get
	// their history after the old line's event.
	inc := reconcile.LineChange{Line: lines[0], Status: reconcile.Increased}
	inc.Amount = 500000
	c := Commit{Run: run("2009-05-11-1", "2009-05-11"), Lines: []reconcile.LineChange{inc,
		line("actebis", "mezzanine", "C2", 100000, "2009-05-11", "2009-06-30", reconcile.Granted)}}
	if err := s.Commit(ctx, c); err != nil {
		t.Fatal(err)
	}
	h, err := s.LineHistory(ctx, lines[0].ID)
	if err != nil || len(h) != 2 || h[0].Amount != 340000 || h[1].Amount != 500000 {
		t.Fatalf("history = %+v, %v", h, err)
	}
	if h, _ := s.LineHistory(ctx, c.Lines[1].ID); len(h) != 1 || c.Lines[1].ID == lines[0].ID {
		t.Fatalf("new line %d: history %+v", c.Lines[1].ID, h)
	}
}
