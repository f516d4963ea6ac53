package batch_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/batch"
	"github.com/encours/encours/reconcile/config"
	"github.com/encours/encours/reconcile/inbox"
	"github.com/encours/encours/reconcile/ledger"
)

// dirConfig is mailConfig with mail written to data_dir/outbox.
func dirConfig(t *testing.T) *config.Config {
	t.Helper()
	cfg := mailConfig(t)
	cfg.Mail.Transport = config.TransportDir
	return cfg
}

func dumpLedger(t *testing.T, path string) string {
	t.Helper()
	s, err := ledger.OpenReadOnly(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var b bytes.Buffer
	if err := s.Dump(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func history(t *testing.T, path string) ledger.ReplayHistory {
	t.Helper()
	s, err := ledger.OpenReadOnly(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h, err := s.Replays(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func snapshots(t *testing.T, dataDir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dataDir, "snapshots", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range m {
		m[i] = filepath.Base(m[i])
	}
	return m
}

// TestSnapshotBeforeEachRun: each committed run leaves a copy of the
// ledger as it stood before it, and only the latest run's; the files it
// archived are recorded with where they went.
func TestSnapshotBeforeEachRun(t *testing.T) {
	ctx := context.Background()
	cfg := dirConfig(t)
	db := filepath.Join(cfg.DataDir, "ledger.db")
	r := batch.Runner{Config: cfg, Now: func() time.Time { return time.Date(2009, 5, 4, 7, 0, 0, 0, cfg.Location) }}
	res1, err := r.Run(ctx, batch.Options{AsOf: reconcile.MustDate("2009-05-04")})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := snapshots(t, cfg.DataDir), []string{"before-" + res1.RunID + ".db"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("snapshots after the first run: %v, want %v", got, want)
	}
	if h := history(t, batch.SnapshotPath(cfg.DataDir, res1.RunID)); len(h.Runs) != 0 {
		t.Errorf("the snapshot before the first run holds runs: %+v", h.Runs)
	}
	h := history(t, db)
	if len(h.Runs) != 1 || len(h.Runs[0].Files) != 2 {
		t.Fatalf("history: %+v", h.Runs)
	}
	// The as-of was given: the SLA measured from its midnight.
	if want := reconcile.MustDate("2009-05-04").Time(cfg.Location); !h.Runs[0].AsOfInstant.Equal(want) {
		t.Errorf("as-of instant %v, want %v", h.Runs[0].AsOfInstant, want)
	}
	for _, f := range h.Runs[0].Files {
		want := filepath.Join("archive", f.Wholesaler, "2009-05-04", f.Name)
		if f.ArchivedPath != want {
			t.Errorf("%s archived at %q, want %q", f.Name, f.ArchivedPath, want)
		}
		if sum, err := inbox.FileSHA256(filepath.Join(cfg.DataDir, f.ArchivedPath)); err != nil || sum != f.SHA256 {
			t.Errorf("%s: the archived file's SHA-256 is %s (%v), the ledger says %s", f.Name, sum, err, f.SHA256)
		}
	}
	afterFirst := dumpLedger(t, db)

	// A dry run leaves the snapshots alone.
	export(t, filepath.Join(cfg.Inbox, "alpha", "week2.xlsx"),
		[]any{"Code client", "Raison sociale", "Statut", "Limite assurée", "Encours"},
		[][]any{{"R001", "Commun Alpha SARL", "Actif", 9000.0, 15000.0}})
	if _, err := r.Run(ctx, batch.Options{AsOf: reconcile.MustDate("2009-05-11"), DryRun: true}); err != nil {
		t.Fatal(err)
	}
	if got := snapshots(t, cfg.DataDir); len(got) != 1 || got[0] != "before-"+res1.RunID+".db" {
		t.Errorf("a dry run changed the snapshots: %v", got)
	}

	res2, err := r.Run(ctx, batch.Options{AsOf: reconcile.MustDate("2009-05-11")})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := snapshots(t, cfg.DataDir), []string{"before-" + res2.RunID + ".db"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("snapshots after the second run: %v, want %v", got, want)
	}
	if got := dumpLedger(t, batch.SnapshotPath(cfg.DataDir, res2.RunID)); got != afterFirst {
		t.Errorf("the snapshot before the second run is not the ledger after the first:\n%s\nwant\n%s", got, afterFirst)
	}
}

// TestSkipPeopleOutputs: a run without workbooks and mail decides exactly
// as one with them, and writes only run.json.
func TestSkipPeopleOutputs(t *testing.T) {
	ctx := context.Background()
	cfg := dirConfig(t)
	r := batch.Runner{Config: cfg, Now: func() time.Time { return time.Date(2009, 5, 4, 7, 0, 0, 0, cfg.Location) }}
	full, err := r.Run(ctx, batch.Options{AsOf: reconcile.MustDate("2009-05-04"), DryRun: true, Out: filepath.Join(t.TempDir(), "full")})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "lean")
	lean, err := r.Run(ctx, batch.Options{AsOf: reconcile.MustDate("2009-05-04"), DryRun: true, Out: out,
		SkipWorkbooks: true, SkipMail: true, NameResellers: map[string]map[string]bool{"beta": {"R001": true}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(full.Report.Mail) == 0 || len(lean.Report.Mail) != 0 {
		t.Errorf("mail: %d with it, %d without", len(full.Report.Mail), len(lean.Report.Mail))
	}
	full.Report.Mail, lean.Report.Mail = nil, nil
	if !reflect.DeepEqual(full.Report, lean.Report) {
		t.Errorf("the reports differ:\n%+v\n%+v", full.Report, lean.Report)
	}
	if got, _ := os.ReadDir(out); len(got) != 1 || got[0].Name() != "run.json" {
		t.Errorf("the lean run wrote %v", got)
	}
	if lean.Names["alpha"]["A002"] != evilName || lean.Names["beta"]["R001"] != "Shared Beta Ltd" {
		t.Errorf("names: %v", lean.Names)
	}
	if outbox, _ := os.ReadDir(filepath.Join(cfg.DataDir, "outbox")); len(outbox) != 0 {
		t.Errorf("mail was written: %v", outbox)
	}
}
