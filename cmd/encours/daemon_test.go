package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/encours/encours/reconcile/ledger"
)

// daemonDeadline bounds every wait of the daemon tests. The daemon ticks
// every two seconds; nothing takes this long unless something is broken.
const daemonDeadline = 60 * time.Second

// buildEncours builds the binary from this package into a temp folder.
func buildEncours(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the daemon binary")
	}
	bin := filepath.Join(t.TempDir(), "encours")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// daemonConfig writes a config the daemon has never seen: a seconds
// schedule, the HTTP endpoint on a port the kernel picks, mail into
// data_dir/outbox, one wholesaler and a top-up program open all century.
func daemonConfig(t *testing.T, minFileAge, grace string) (dir, cfg string) {
	t.Helper()
	dir = t.TempDir()
	config := `timezone: Europe/Paris
schedule: "*/2 * * * * *"
inbox: inbox
data_dir: var
rules: rules.yaml
min_file_age: ` + minFileAge + `
shutdown_grace: ` + grace + `
http: {listen: "127.0.0.1:0"}
mail:
  transport: dir
  from: "Programme partenaires <partenaires@vendor.example>"
  program_managers: ["pm@vendor.example"]
wholesalers:
  - id: actebis
    name: Actebis
    emails: ["credit@actebis.example"]
    language: fr
    layout:
      decimal: comma
      date_order: dmy
      accounts:
        sheet: Encours
        columns: {reseller_id: ["Code client"], reseller_name: ["Raison sociale"], status: ["Statut"],
                  insured_limit: ["Limite assurée"], outstanding: ["Encours"]}
`
	rules := `programs:
  - {id: mezzanine, name: Programme Mezzanine, kind: credit_top_up, wholesalers: [actebis],
     from: 2000-01-01, until: 2099-12-31, max_amount: 5000, round_up_to: 100}
`
	for name, text := range map[string]string{"config.yaml": config, "rules.yaml": rules} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "inbox", "actebis"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, filepath.Join(dir, "config.yaml")
}

// actebisExport is an accounts export of n resellers, each over its
// insured limit.
func actebisExport(t *testing.T, n int) []byte {
	t.Helper()
	return accountsExport(t, n, func(int) int { return 12340 })
}

// accountsExport is an accounts export of n active resellers with an
// insured limit of 9,000 € and the outstanding amount of row i.
func accountsExport(t *testing.T, n int, outstanding func(i int) int) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "Encours"); err != nil {
		t.Fatal(err)
	}
	sw, err := f.NewStreamWriter("Encours")
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.SetRow("A1", []any{"Code client", "Raison sociale", "Statut", "Limite assurée", "Encours"}); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, []any{fmt.Sprintf("C%06d", i+1), fmt.Sprintf("Revendeur %d", i+1), "Actif", 9000, outstanding(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// daemonProc is a running daemon and the JSON log lines it wrote.
type daemonProc struct {
	cmd    *exec.Cmd
	exited chan error
	mu     sync.Mutex
	logs   []map[string]any
	raw    bytes.Buffer
	notify chan struct{}
}

func startDaemon(t *testing.T, bin, cfg string) *daemonProc {
	t.Helper()
	return startDaemonCmd(t, exec.Command(bin, "daemon", "--config", cfg, "--log-format", "json"))
}

// startDaemonCmd starts a daemon command line prepared by the caller.
func startDaemonCmd(t *testing.T, cmd *exec.Cmd) *daemonProc {
	t.Helper()
	d := &daemonProc{exited: make(chan error, 1), notify: make(chan struct{}, 1), cmd: cmd}
	stderr, err := d.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	d.cmd.Stdout = io.Discard
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var rec map[string]any
			d.mu.Lock()
			d.raw.Write(append(sc.Bytes(), '\n'))
			if json.Unmarshal(sc.Bytes(), &rec) == nil {
				d.logs = append(d.logs, rec)
			}
			d.mu.Unlock()
			select {
			case d.notify <- struct{}{}:
			default:
			}
		}
	}()
	go func() {
		<-scanned // Wait closes the pipe: read it all first
		d.exited <- d.cmd.Wait()
	}()
	t.Cleanup(func() {
		if d.cmd.ProcessState == nil {
			d.cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("daemon log:\n%s", d.log())
		}
	})
	return d
}

func (d *daemonProc) log() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.raw.String()
}

// records returns the log records with message msg.
func (d *daemonProc) records(msg string) []map[string]any {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []map[string]any
	for _, r := range d.logs {
		if r["msg"] == msg {
			out = append(out, r)
		}
	}
	return out
}

// waitLog waits for the first log record with message msg.
func (d *daemonProc) waitLog(t *testing.T, msg string) map[string]any {
	t.Helper()
	deadline := time.After(daemonDeadline)
	for {
		if recs := d.records(msg); len(recs) > 0 {
			return recs[0]
		}
		select {
		case <-d.notify:
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatalf("the daemon never logged %q", msg)
		}
	}
}

// stop sends SIGTERM and returns the exit code.
func (d *daemonProc) stop(t *testing.T) int {
	t.Helper()
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-d.exited:
	case <-time.After(daemonDeadline):
		t.Fatal("the daemon did not exit after SIGTERM")
	}
	return d.cmd.ProcessState.ExitCode()
}

// waitFor polls cond until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(daemonDeadline)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// find lists the files under dir whose name matches pattern.
func find(dir, pattern string) []string {
	var out []string
	filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			if ok, _ := filepath.Match(pattern, e.Name()); ok {
				out = append(out, p)
			}
		}
		return nil
	})
	return out
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// TestDaemonEndToEnd drives the real binary: an export written slowly is
// processed only once complete, archived and mailed; /healthz and /metrics
// report it; SIGTERM exits 0; a restart after a missed tick catches up once.
func TestDaemonEndToEnd(t *testing.T) {
	bin := buildEncours(t)
	dir, cfg := daemonConfig(t, "2s", "30s")
	data := filepath.Join(dir, "var")

	d := startDaemon(t, bin, cfg)
	addr, _ := d.waitLog(t, "serving /healthz and /metrics")["addr"].(string)
	if addr == "" {
		t.Fatal("no addr in the log")
	}
	d.waitLog(t, "daemon started")

	// Write the export slowly, in pieces 200ms apart, well within
	// min_file_age: runs in between defer it and never read half of it.
	export := actebisExport(t, 3)
	path := filepath.Join(dir, "inbox", "actebis", "export.xlsx")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	const pieces = 15
	for i := range pieces {
		lo, hi := i*len(export)/pieces, (i+1)*len(export)/pieces
		if _, err := f.Write(export[lo:hi]); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	archive := filepath.Join(data, "archive", "actebis")
	waitFor(t, "the export to be archived", func() bool { return len(find(archive, "export.xlsx")) == 1 })
	// The run that processed the export mailed Actebis its lines.
	var processing struct {
		Files []struct{ Name, Status string }
		Lines []struct {
			ResellerID string `json:"reseller_id"`
		}
		Mail []mailEntry
	}
	waitFor(t, "the run.json of the run that processed the export", func() bool {
		for _, p := range find(filepath.Join(data, "runs"), "run.json") {
			b, err := os.ReadFile(p)
			if err != nil || json.Unmarshal(b, &processing) != nil {
				continue
			}
			// run.json is first written before the commit, with its mail
			// queued; wait for the final one, written after sending.
			for _, f := range processing.Files {
				if f.Name == "export.xlsx" && f.Status == "processed" && mailSettled(processing.Mail) {
					return true
				}
			}
		}
		return false
	})
	if len(processing.Lines) != 3 {
		t.Errorf("the processing run reports %d lines, want 3", len(processing.Lines))
	}
	mailed := false
	for _, m := range processing.Mail {
		if m.Wholesaler == "actebis" && m.Status == "sent" {
			mailed = len(find(filepath.Join(data, "outbox"), "*.eml")) > 0 &&
				len(find(filepath.Join(data, "outbox"), strings.Trim(m.MessageID, "<>")+"*")) == 1
		}
	}
	if !mailed {
		t.Errorf("no .eml in data_dir/outbox for Actebis from the processing run: %+v %v", processing.Mail, find(filepath.Join(data, "outbox"), "*"))
	}
	if q := find(filepath.Join(data, "quarantine"), "*"); len(q) > 0 {
		t.Errorf("the export was read before it was complete and quarantined: %v", q)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the export is still in the inbox: %v", err)
	}
	// run.json is written before the daemon hears that the run returned.
	var code int
	var body string
	waitFor(t, "/metrics to count the processed export", func() bool {
		code, body = httpGet(t, "http://"+addr+"/metrics")
		return strings.Contains(body, `encours_files_total{status="processed"} 1`)
	})

	code, body = httpGet(t, "http://"+addr+"/healthz")
	var h struct {
		Status  string `json:"status"`
		LastRun struct {
			ID, Result string
		} `json:"last_run"`
		NextRunAt time.Time `json:"next_run_at"`
	}
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		t.Fatalf("/healthz: %v\n%s", err, body)
	}
	if code != http.StatusOK || h.Status != "ok" || h.LastRun.Result != "ok" || h.LastRun.ID == "" || h.NextRunAt.IsZero() {
		t.Errorf("/healthz: %d\n%s", code, body)
	}
	code, body = httpGet(t, "http://"+addr+"/metrics")
	for _, want := range []string{`encours_files_total{status="processed"} 1`, `encours_lines{status=`,
		`encours_emails_total{status=`, `encours_run_duration_seconds_bucket`, `encours_last_success_timestamp_seconds `} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if code != http.StatusOK || !strings.Contains(body, `encours_runs_total{result="ok"}`) || strings.Contains(body, `encours_runs_total{result="ok"} 0`) {
		t.Errorf("/metrics: %d, no ok run counted\n%s", code, body)
	}

	if code := d.stop(t); code != 0 {
		t.Fatalf("exit %d after SIGTERM, want 0", code)
	}
	if recs := d.records("daemon stopped"); len(recs) != 1 {
		t.Error("the daemon did not log a clean stop")
	}

	// Restart after a missed tick: one catch-up run at start, for the
	// latest missed tick, then the schedule as usual.
	store, err := ledger.Open(context.Background(), filepath.Join(data, "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	last, ok, err := store.LastScheduled(context.Background())
	store.Close()
	if err != nil || !ok {
		t.Fatalf("the ledger has no last tick: %v %v", ok, err)
	}
	waitFor(t, "a tick to be missed", func() bool { return time.Since(last) > 3*time.Second })

	d2 := startDaemon(t, bin, cfg)
	missed := d2.waitLog(t, "missed a tick while stopped: catching up once at start")
	first := d2.waitLog(t, "scheduled run starting")
	if first["tick"] != missed["missed_tick"] {
		t.Errorf("first run after restart for tick %v, want the missed tick %v", first["tick"], missed["missed_tick"])
	}
	d2.waitLog(t, "scheduled run done")
	if code := d2.stop(t); code != 0 {
		t.Fatalf("exit %d after SIGTERM, want 0", code)
	}
	if n := len(d2.records("missed a tick while stopped: catching up once at start")); n != 1 {
		t.Errorf("%d catch-ups, want 1", n)
	}
	missedAt, err := time.Parse(time.RFC3339, missed["missed_tick"].(string))
	if err != nil {
		t.Fatal(err)
	}
	caughtUp := 0
	for _, r := range d2.records("scheduled run starting") {
		if tick, _ := time.Parse(time.RFC3339, r["tick"].(string)); !tick.After(missedAt) {
			caughtUp++
		}
	}
	if caughtUp != 1 {
		t.Errorf("%d runs for missed ticks after the restart, want 1", caughtUp)
	}
}

// TestDaemonSIGTERMMidRun: SIGTERM during a slow run, with a grace too
// short for it, cancels the run: exit 0, the ledger has no run, the export
// is still in the inbox, nothing archived, nothing mailed.
func TestDaemonSIGTERMMidRun(t *testing.T) {
	bin := buildEncours(t)
	dir, cfg := daemonConfig(t, "0s", "10ms")
	data := filepath.Join(dir, "var")
	path := filepath.Join(dir, "inbox", "actebis", "big.xlsx")
	export := actebisExport(t, 200000)
	if err := os.WriteFile(path, export, 0o644); err != nil {
		t.Fatal(err)
	}

	d := startDaemon(t, bin, cfg)
	d.waitLog(t, "scheduled run starting")
	if code := d.stop(t); code != 0 {
		t.Fatalf("exit %d after SIGTERM, want 0", code)
	}
	if len(d.records("run done")) > 0 {
		t.Skip("the run finished before SIGTERM reached it; this machine needs a bigger export")
	}
	if len(d.records("the running run did not finish within shutdown_grace: cancelling it (a cancelled run commits nothing)")) != 1 {
		t.Error("the daemon did not say it cancelled the run")
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, export) {
		t.Errorf("the export is not in the inbox as it was: %v", err)
	}
	if a := find(filepath.Join(data, "archive"), "*"); len(a) > 0 {
		t.Errorf("archived: %v", a)
	}
	if m := find(filepath.Join(data, "outbox"), "*.eml"); len(m) > 0 {
		t.Errorf("mailed: %v", m)
	}
	store, err := ledger.Open(context.Background(), filepath.Join(data, "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if r, ok, err := store.LastRun(context.Background()); err != nil || ok {
		t.Errorf("the ledger has a run after SIGTERM: %+v %v %v", r, ok, err)
	}
}

// TestSecondDaemonRefused: a second daemon on the same data_dir stops at
// once with exit 3 and names the first; the first keeps running.
func TestSecondDaemonRefused(t *testing.T) {
	bin := buildEncours(t)
	_, cfg := daemonConfig(t, "2s", "30s")
	first := startDaemon(t, bin, cfg)
	first.waitLog(t, "daemon started")

	out, err := exec.Command(bin, "daemon", "--config", cfg).CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Fatalf("second daemon: %v, want exit 3\n%s", err, out)
	}
	if !strings.Contains(string(out), "another encours daemon is running") || !strings.Contains(string(out), cfg) {
		t.Errorf("second daemon's message does not name the first:\n%s", out)
	}
	if code := first.stop(t); code != 0 {
		t.Errorf("first daemon exit %d after SIGTERM", code)
	}
}

type mailEntry struct {
	Wholesaler string
	MessageID  string `json:"message_id"`
	Status     string
}

// mailSettled reports whether a run.json's mail section is final.
func mailSettled(mail []mailEntry) bool {
	for _, m := range mail {
		if m.Status == "queued" {
			return false
		}
	}
	return len(mail) > 0
}
