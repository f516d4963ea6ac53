package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/ledger"
	"github.com/encours/encours/reconcile/ledger/pgtest"
)

// startReplica starts `encours daemon` as replica name on the PostgreSQL
// ledger of dsn.
func startReplica(t *testing.T, bin, cfg, name, dsn string) *daemonProc {
	t.Helper()
	cmd := exec.Command(bin, "daemon", "--config", cfg, "--log-format", "json", "--replica", name)
	cmd.Env = append(os.Environ(), "ENCOURS_PG_DSN="+dsn)
	d := startDaemonCmd(t, cmd)
	d.waitLog(t, "daemon started")
	return d
}

// ticks returns the ticks of the log records with message msg.
func (d *daemonProc) ticks(msg string) []string {
	var out []string
	for _, r := range d.records(msg) {
		tick, _ := r["tick"].(string)
		out = append(out, tick)
	}
	return out
}

// TestReplicasEachTickOnce: three replicas of one config on one PostgreSQL
// ledger, with a seconds schedule: every tick any of them woke for was run
// by exactly one of them, the others saw it run; SIGTERM on one leaves the
// two others ticking.
func TestReplicasEachTickOnce(t *testing.T) {
	bin := buildEncours(t)
	dsn := pgtest.DSN(t)
	_, cfg := daemonConfig(t, "2s", "30s")
	usePostgres(t, cfg)

	names := []string{"replica-a", "replica-b", "replica-c"}
	reps := map[string]*daemonProc{}
	for _, n := range names {
		reps[n] = startReplica(t, bin, cfg, n, dsn)
	}
	ran := func(only ...string) int {
		n := 0
		for name, d := range reps {
			if len(only) == 0 || slicesContains(only, name) {
				n += len(d.records("scheduled run done"))
			}
		}
		return n
	}
	waitFor(t, "ten ticks run", func() bool { return ran() >= 10 })

	// One replica stops; the others go on.
	if code := reps["replica-a"].stop(t); code != 0 {
		t.Fatalf("replica-a: exit %d after SIGTERM", code)
	}
	before := ran("replica-b", "replica-c")
	waitFor(t, "three more ticks run by the two replicas left", func() bool { return ran("replica-b", "replica-c") >= before+3 })

	addr, _ := reps["replica-b"].records("serving /healthz and /metrics")[0]["addr"].(string)
	_, body := httpGet(t, "http://"+addr+"/healthz")
	var h struct {
		Replica  string `json:"replica"`
		LastTick struct {
			RanBy string `json:"ran_by"`
		} `json:"last_tick"`
	}
	if err := json.Unmarshal([]byte(body), &h); err != nil || h.Replica != "replica-b" ||
		(h.LastTick.RanBy != "replica-b" && h.LastTick.RanBy != "replica-c") {
		t.Errorf("/healthz of replica-b: %v\n%s", err, body)
	}
	_, metrics := httpGet(t, "http://"+addr+"/metrics")
	if !strings.Contains(metrics, `encours_replica_info{replica="replica-b"} 1`) || !strings.Contains(metrics, `encours_ticks_total{outcome="run_elsewhere"}`) {
		t.Errorf("/metrics lacks the replica or the ticks:\n%s", metrics)
	}
	for _, n := range names[1:] {
		if code := reps[n].stop(t); code != 0 {
			t.Errorf("%s: exit %d after SIGTERM", n, code)
		}
	}

	// Every tick woken for was run exactly once, and the ledger holds one
	// run per tick run.
	runBy := map[string][]string{}
	woke := map[string]bool{}
	for name, d := range reps {
		for _, tick := range d.ticks("scheduled run done") {
			runBy[tick] = append(runBy[tick], name)
		}
		for _, tick := range d.ticks("scheduled run starting") {
			woke[tick] = true
		}
		if f := d.records("scheduled run failed"); len(f) > 0 {
			t.Errorf("%s: a run failed: %v", name, f)
		}
	}
	for tick, by := range runBy {
		if len(by) != 1 {
			t.Errorf("tick %s was run by %v", tick, by)
		}
	}
	for tick := range woke {
		if len(runBy[tick]) == 0 {
			t.Errorf("tick %s: a replica woke for it and nobody ran it", tick)
		}
	}
	s, err := ledger.OpenConfig(context.Background(), ledger.Config{Driver: ledger.Postgres, DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	counts, _ := s.Tables(context.Background())
	if counts[0].Table != "runs" || counts[0].Rows != int64(len(runBy)) {
		t.Errorf("the ledger holds %v runs, the replicas ran %d ticks", counts[0], len(runBy))
	}
	t.Logf("%d ticks run: %v", len(runBy), runBy)
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// TestReplicaKilledMidRun: three replicas, a large export; the replica
// running it is SIGKILLed mid-run. Another replica runs the tick: the
// export is processed exactly once, its lines are those a single daemon's
// run gives, and each message is sent once.
func TestReplicaKilledMidRun(t *testing.T) {
	bin := buildEncours(t)
	dsn := pgtest.DSN(t)
	dir, cfg := daemonConfig(t, "0s", "30s")
	usePostgres(t, cfg)
	data := filepath.Join(dir, "var")
	export := actebisExport(t, 200000)
	if err := os.WriteFile(filepath.Join(dir, "inbox", "actebis", "big.xlsx"), export, 0o644); err != nil {
		t.Fatal(err)
	}

	reps := map[string]*daemonProc{}
	for _, n := range []string{"replica-a", "replica-b", "replica-c"} {
		reps[n] = startReplica(t, bin, cfg, n, dsn)
	}
	// The first replica to take the lock logs "run starting": kill it once
	// it reads the export.
	var victim string
	waitFor(t, "a replica to start the run", func() bool {
		for n, d := range reps {
			if len(d.records("run starting")) > 0 {
				victim = n
				return true
			}
		}
		return false
	})
	time.Sleep(time.Second)
	if err := reps[victim].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-reps[victim].exited
	if len(reps[victim].records("scheduled run done")) > 0 {
		t.Skip("the run finished before SIGKILL reached it; this machine needs a bigger export")
	}
	t.Logf("killed %s mid-run", victim)

	var processing struct {
		AsOf  string `json:"as_of"`
		Files []struct{ Name, Status string }
		Lines []json.RawMessage
		Mail  []mailEntry
	}
	var runJSON string
	waitFor(t, "another replica to process the export", func() bool {
		for _, p := range find(filepath.Join(data, "runs"), "run.json") {
			b, err := os.ReadFile(p)
			if err != nil || json.Unmarshal(b, &processing) != nil {
				continue
			}
			for _, f := range processing.Files {
				if f.Name == "big.xlsx" && f.Status == "processed" && mailSettled(processing.Mail) {
					runJSON = p
					return true
				}
			}
		}
		return false
	})
	for n, d := range reps {
		if n != victim {
			d.stop(t)
		}
	}
	t.Logf("processed in %s", runJSON)

	ctx := context.Background()
	s, err := ledger.OpenConfig(ctx, ledger.Config{Driver: ledger.Postgres, DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	counts := map[string]int64{}
	tables, _ := s.Tables(ctx)
	for _, c := range tables {
		counts[c.Table] = c.Rows
	}
	if counts["files"] != 1 {
		t.Errorf("%d processed files in the ledger, want 1", counts["files"])
	}
	if a := find(filepath.Join(data, "archive"), "big*.xlsx"); len(a) != 1 {
		t.Errorf("archived: %v, want the export once", a)
	}
	if p := find(filepath.Join(data, "runs"), "*.partial"); len(p) > 0 {
		t.Errorf("the killed run's outputs are left: %v", p)
	}

	// Lines: as one daemon's run of the same export on the same as-of.
	got, err := s.ValidLines(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := singleRunLines(t, export, processing.AsOf)
	if len(got) != 200000 || len(want) != len(got) {
		t.Fatalf("%d valid lines on the replicas, %d from a single run, want 200000", len(got), len(want))
	}
	for i := range got {
		got[i].ID, want[i].ID = 0, 0
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("line %d: replicas %+v, single run %+v", i, got[i], want[i])
		}
	}

	// Mail: every message of the ledger once in the outbox folder, sent.
	emls := find(filepath.Join(data, "outbox"), "*.eml")
	if int64(len(emls)) != counts["outbox"] || len(emls) == 0 {
		t.Errorf("%d .eml files for %d messages in the ledger", len(emls), counts["outbox"])
	}
	for _, m := range processing.Mail {
		if m.Status != "sent" || len(find(filepath.Join(data, "outbox"), strings.Trim(m.MessageID, "<>")+"*")) != 1 {
			t.Errorf("message %+v: not sent exactly once", m)
		}
	}
}

// singleRunLines runs the export once with `encours run` on an SQLite
// ledger and returns the valid lines.
func singleRunLines(t *testing.T, export []byte, asOf string) []reconcile.Line {
	t.Helper()
	dir, cfg := daemonConfig(t, "0s", "30s")
	if err := os.WriteFile(filepath.Join(dir, "inbox", "actebis", "big.xlsx"), export, 0o644); err != nil {
		t.Fatal(err)
	}
	m, _, errb := newTestMain()
	if code := m.Run(context.Background(), []string{"run", "--config", cfg, "--as-of", asOf}); code != 0 {
		t.Fatalf("single run: exit %d\n%s", code, errb)
	}
	s, err := ledger.Open(context.Background(), filepath.Join(dir, "var", "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	lines, err := s.ValidLines(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return lines
}

// TestDaemonSurvivesPostgresRestart: the server goes away between two
// ticks: the ticks during the outage fail cleanly (logged, counted) and the
// daemon goes on once it is back, as after a pg_ctl restart.
func TestDaemonSurvivesPostgresRestart(t *testing.T) {
	bin := buildEncours(t)
	cluster := pgtest.NewCluster(t)
	dsn := pgtest.CreateDatabase(t, cluster.DSN)
	_, cfg := daemonConfig(t, "2s", "30s")
	usePostgres(t, cfg)
	d := startReplica(t, bin, cfg, "solo", dsn)
	addr, _ := d.records("serving /healthz and /metrics")[0]["addr"].(string)
	done := func() int { return len(d.records("scheduled run done")) }
	waitFor(t, "a first tick run", func() bool { return done() >= 1 })

	cluster.Stop()
	waitFor(t, "a tick to fail while PostgreSQL is down", func() bool { return len(d.records("scheduled run failed")) >= 1 })
	_, metrics := httpGet(t, "http://"+addr+"/metrics")
	if strings.Contains(metrics, `encours_runs_total{result="failed"} 0`) {
		t.Errorf("the failed tick is not counted:\n%s", metrics)
	}
	cluster.Start()
	before := done()
	waitFor(t, "a tick run after PostgreSQL came back", func() bool { return done() > before })

	cluster.Restart()
	before = done()
	waitFor(t, "a tick run after pg_ctl restart", func() bool { return done() > before })
	if code := d.stop(t); code != 0 {
		t.Fatalf("exit %d after SIGTERM", code)
	}

	// Nothing half-done: the ledger holds exactly the runs that were done.
	s, err := ledger.OpenConfig(context.Background(), ledger.Config{Driver: ledger.Postgres, DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	counts, _ := s.Tables(context.Background())
	if counts[0].Rows != int64(done()) {
		t.Errorf("the ledger holds %d runs, the daemon reported %d done", counts[0].Rows, done())
	}
	for _, r := range d.records("scheduled run failed") {
		t.Logf("failed during the outage: %v", fmt.Sprint(r["err"]))
	}
}
