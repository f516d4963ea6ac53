package batch

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/config"
	"github.com/encours/encours/reconcile/inbox"
	"github.com/encours/encours/reconcile/ledger"
	"github.com/encours/encours/reconcile/notify"
	"github.com/encours/encours/reconcile/xlsx"
)

// book is one written workbook, read back for the mail attachment.
type book struct {
	name, path string
	size       int64
}

// maxAttachBytes is the largest workbook attached to a mail: base64 makes
// it a third bigger, and mail servers commonly refuse messages over 20-25
// MB. A larger workbook stays in the run's output folder and the run warns.
const maxAttachBytes = 15 << 20

// outputPerm is the mode of every report: readable by the service's group.
const outputPerm = 0o640

// writeOutputs writes one workbook per wholesaler and the consolidated one.
func (st *state) writeOutputs(out string) error {
	st.books = map[string]book{}
	key, err := st.signingKey()
	if err != nil {
		return fmt.Errorf("cannot sign the workbooks: %w", err)
	}
	programs := make([]xlsx.Program, 0, len(st.cfg.Programs))
	for _, p := range st.cfg.Programs {
		programs = append(programs, xlsx.Program{ID: p.ID, Name: p.Name})
	}
	var wholesalers []xlsx.Wholesaler
	for i, w := range st.cfg.Wholesalers {
		st.progressf("writing workbooks", i, len(st.cfg.Wholesalers)+1)
		xw := xlsx.Wholesaler{ID: w.ID, Name: w.Name, Language: w.Language}
		wholesalers = append(wholesalers, xw)
		r := st.reportFor(w.ID)
		local := st.localFor(w, r)
		b := xlsx.WholesalerBook{
			Wholesaler: xw, AsOf: st.asOf, Programs: programs,
			Lines: local.lines, Discrepancies: r.Discrepancies,
			Rejected: notify.WholesalerRejected(w.Language, r.RejectedRows), Files: notify.WholesalerFiles(w.Language, r.Files), TmpDir: st.cfg.DataDir,
			Waitlist: local.waitlist,
			Resolved: r.Resolved, Marker: reconcile.Marker{Wholesaler: w.ID, RunID: st.runID, AsOf: st.asOf},
			Names: st.names[w.ID],
		}
		b.Signature = b.Marker.Sign(key)
		for _, fw := range st.files {
			if fw.file.Wholesaler == w.ID && fw.result.Status == reconcile.Processed {
				b.Accounts = append(b.Accounts, xlsx.AccountsSheet{
					File: fw.file.Name, Sheet: fw.sheet, Header: fw.accounts.Header,
					HeaderRow: fw.accounts.HeaderRow, AmountCols: fw.accounts.AmountCols, Each: fw.raw.each,
				})
			}
		}
		name := fmt.Sprintf("%s-%s.xlsx", w.ID, st.asOf)
		if err := st.writeBook(out, w.ID, name, func(wr io.Writer) error { return xlsx.WriteWholesaler(wr, b) }); err != nil {
			return err
		}
	}
	st.progressf("writing workbooks", len(st.cfg.Wholesalers), len(st.cfg.Wholesalers)+1)
	cb := xlsx.ConsolidatedBook{AsOf: st.asOf, Wholesalers: wholesalers, Programs: programs, Report: *st.report,
		History: st.history, Names: st.names, TmpDir: st.cfg.DataDir}
	// The summary is French; run.json keeps the engine's words.
	local := st.consolidatedLocal()
	cb.Report.Lines, cb.Report.Waitlist = local.lines, local.waitlist
	cb.Report.Files = notify.LocalFiles(config.LangFR, cb.Report.Files)
	cb.Report.Discrepancies = st.shown()
	// The accounts sheets are written: their rows (the largest part of the
	// run's memory at a million rows) go before the consolidated book.
	for _, fw := range st.files {
		fw.raw = rawRows{}
	}
	name := fmt.Sprintf("consolidated-%s.xlsx", st.asOf)
	return st.writeBook(out, "", name, func(wr io.Writer) error { return xlsx.WriteConsolidated(wr, cb) })
}

// writeBook writes a workbook straight into its temp file in out (no copy
// of the whole file in memory), renamed into place when complete.
func (st *state) writeBook(out, key, name string, write func(io.Writer) error) error {
	var size int64
	if err := inbox.WriteAtomic(out, name, outputPerm, func(w io.Writer) error {
		cw := &countWriter{w: w}
		err := write(cw)
		size = cw.n
		return err
	}); err != nil {
		return fmt.Errorf("cannot write %s: %w", name, err)
	}
	st.books[key] = book{name: name, path: filepath.Join(out, name), size: size}
	return nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// publishedDir is where a run's output folder will be once the run is
// committed: data_dir/runs/.<id>.partial is published as runs/<id> (a
// --out folder is its own).
func publishedDir(dir string) string {
	base := filepath.Base(dir)
	if strings.HasPrefix(base, ".") && strings.HasSuffix(base, partialSuffix) {
		return filepath.Join(filepath.Dir(dir), strings.TrimSuffix(base[1:], partialSuffix))
	}
	return dir
}

// attachment reads a written workbook back for a mail. A workbook over
// maxAttachBytes is not attached: the run warns where it is, and the mail
// says so (Attachment.Where).
func (st *state) attachment(key string) (notify.Attachment, error) {
	b, ok := st.books[key]
	if !ok {
		return notify.Attachment{}, nil
	}
	if b.size > maxAttachBytes {
		where := publishedDir(filepath.Dir(b.path))
		msg := fmt.Sprintf("%s is %d MiB, over the %d MiB a mail may carry: it is not attached; it is in %s",
			b.name, b.size>>20, maxAttachBytes>>20, where)
		st.warnings = append(st.warnings, msg)
		st.report.Warnings = append(st.report.Warnings, msg)
		st.log.Warn(msg)
		return notify.Attachment{Name: b.name, Size: b.size, Where: where}, nil
	}
	data, err := os.ReadFile(b.path)
	if err != nil {
		return notify.Attachment{}, fmt.Errorf("cannot read %s back for the mail: %w", b.name, err)
	}
	return notify.Attachment{Name: b.name, Data: data}, nil
}

// reportFor is the part of the report that belongs to one wholesaler:
// nothing of another wholesaler may reach its workbook or its mail. When
// the whole report is that wholesaler's (one wholesaler with a million
// rows), its slices are shared, not copied. Of the budgets (spec §8) it
// keeps only the wholesaler's own waitlist entries: the budget use and
// the vendor-wide exposures count every wholesaler's lines.
func (st *state) reportFor(w string) reconcile.Report {
	return reconcile.Report{
		AsOf:          st.report.AsOf,
		Lines:         own(st.report.Lines, w, func(l reconcile.ReportLine) string { return l.Wholesaler }),
		Discrepancies: own(st.shown(), w, func(d reconcile.Discrepancy) string { return d.Wholesaler }),
		Resolved:      own(st.report.Resolved, w, func(f reconcile.ResolvedFinding) string { return f.Wholesaler }),
		Responses:     own(st.report.Responses, w, func(r reconcile.FindingResponse) string { return r.Wholesaler }),
		RejectedRows:  own(st.report.RejectedRows, w, func(r reconcile.RejectedRow) string { return r.Wholesaler }),
		Files:         own(st.report.Files, w, func(f reconcile.FileResult) string { return f.Wholesaler }),
		Waitlist:      own(st.report.Waitlist, w, func(e reconcile.WaitEntry) string { return e.Wholesaler }),
	}
}

// localized is a wholesaler's lines and waitlist entries with their
// reasons in a language (notify.LocalLines, LocalWaitlist).
type localized struct {
	lines    []reconcile.ReportLine
	waitlist []reconcile.WaitEntry
}

// localFor is wholesaler w's lines and waitlist entries of r (its part of
// the report) in w's language, made once for its workbook and its mail: at
// a million rows that is 120,000 reasons rewritten, ~30 MB each time.
func (st *state) localFor(w config.Wholesaler, r reconcile.Report) localized {
	if l, ok := st.local[w.ID]; ok {
		return l
	}
	l := localized{lines: notify.LocalLines(w.Language, r.Lines), waitlist: notify.LocalWaitlist(w.Language, r.Waitlist)}
	if st.local == nil {
		st.local = map[string]localized{}
	}
	st.local[w.ID] = l
	return l
}

// consolidatedLocal is every line and waitlist entry of the report in
// French, for the consolidated workbook: a French wholesaler's own when
// the whole report is its (one wholesaler's million rows), else made here.
func (st *state) consolidatedLocal() localized {
	for _, w := range st.cfg.Wholesalers {
		l, ok := st.local[w.ID]
		if ok && w.Language == config.LangFR && len(l.lines) == len(st.report.Lines) && len(l.waitlist) == len(st.report.Waitlist) {
			return l
		}
	}
	return localized{lines: notify.LocalLines(config.LangFR, st.report.Lines), waitlist: notify.LocalWaitlist(config.LangFR, st.report.Waitlist)}
}

// own returns the items of wholesaler w: items itself when all are, else
// a copy of those that are (nil when none is).
func own[T any](items []T, w string, of func(T) string) []T {
	all := true
	for _, x := range items {
		if of(x) != w {
			all = false
			break
		}
	}
	if all {
		if len(items) == 0 {
			return nil
		}
		return items[:len(items):len(items)]
	}
	var out []T
	for _, x := range items {
		if of(x) == w {
			out = append(out, x)
		}
	}
	return out
}

func (st *state) programNames() map[string]string {
	names := map[string]string{}
	for _, p := range st.cfg.Programs {
		names[p.ID] = p.Name
	}
	return names
}

// resellerNames maps one wholesaler's reseller ids to their names, for
// the resellers its workbook and mail can name: those with a line, a
// discrepancy or a waitlist entry, and those with an open finding in the
// ledger (which this run may resolve). The names are those its processed
// exports of this run give; a reseller none of them names (the wholesaler
// did not deliver, or its export no longer lists it) gets the name the
// ledger's resellers table last knew. It runs on the outcome, before the
// findings are tracked: the accounts go first (see evaluate).
func (st *state) resellerNames(w string, open []reconcile.Finding) map[string]string {
	// Each wanted id maps to itself: the names are keyed by the outcome's
	// own strings, not the accounts' (which share the raw rows, see detach).
	wanted := map[string]string{}
	for _, l := range st.outcome.Lines {
		if l.Wholesaler == w {
			wanted[l.ResellerID] = l.ResellerID
		}
	}
	for _, d := range st.outcome.Discrepancies {
		if d.Wholesaler == w {
			wanted[d.ResellerID] = d.ResellerID
		}
	}
	for _, e := range st.outcome.Waitlist {
		if e.Wholesaler == w {
			wanted[e.ResellerID] = e.ResellerID
		}
	}
	for _, f := range open {
		if f.Wholesaler == w {
			wanted[f.ResellerID] = f.ResellerID
		}
	}
	for id := range st.opt.NameResellers[w] {
		wanted[id] = id
	}
	names := map[string]string{}
	for _, fw := range st.files {
		if fw.file.Wholesaler != w || fw.result.Status != reconcile.Processed {
			continue
		}
		for _, a := range fw.accounts.Rows {
			id, ok := wanted[a.ResellerID]
			if a.Name == "" || !ok {
				continue
			}
			if n := st.reseller(w, id).Name; n == a.Name {
				names[id] = n // identify's copy
			} else {
				names[id] = strings.Clone(a.Name)
			}
		}
	}
	// The ledger's copy: the accounts holding something after the run,
	// then those that held something before it and no longer do.
	for id := range wanted {
		if names[id] != "" {
			continue
		}
		if n := st.reseller(w, id).Name; n != "" {
			names[id] = n
		} else if r, ok := reconcile.FindReseller(st.resellersGone, w, id); ok && r.Name != "" {
			names[id] = r.Name
		}
	}
	return names
}

// renderMail renders every message of the run; they are stored in the
// outbox with the commit and sent after it.
func (st *state) renderMail(ctx context.Context, now time.Time) error {
	mc := st.cfg.Mail
	if err := st.decideMail(ctx); err != nil {
		return err
	}
	if mc.Send == config.SendOnChange {
		st.log.Info(st.mailNote(), "program_managers", st.mailManagers)
	}
	for _, w := range st.cfg.Wholesalers {
		if len(w.Emails) == 0 || !st.mailed[w.ID] {
			continue
		}
		r := st.reportFor(w.ID)
		local := st.localFor(w, r)
		att, err := st.attachment(w.ID)
		if err != nil {
			return err
		}
		received := false
		for _, f := range st.feeds {
			received = received || f.Wholesaler == w.ID
		}
		msgs, err := notify.Render(notify.Summary{
			RunID: st.runID, AsOf: st.asOf, Language: w.Language,
			Wholesaler: w.ID, WholesalerName: w.Name, Received: received,
			Programs: st.programNames(), Resellers: st.names[w.ID],
			Lines: local.lines, Discrepancies: r.Discrepancies,
			Rejected: r.RejectedRows, Files: r.Files, Waitlist: local.waitlist,
			Resolved: r.Resolved, Responses: r.Responses,
			Attachment: att,
		}, mc.From, w.Emails, now)
		if err != nil {
			return fmt.Errorf("cannot render the mail to %s: %w", w.ID, err)
		}
		st.messages = append(st.messages, msgs...)
	}
	if len(mc.ProgramManagers) > 0 && st.mailManagers {
		att, err := st.attachment("")
		if err != nil {
			return err
		}
		r := *st.report
		names := map[string]string{}
		for _, w := range st.cfg.Wholesalers {
			names[w.ID] = w.Name
		}
		msgs, err := notify.RenderManagers(notify.Summary{
			RunID: st.runID, AsOf: st.asOf, Language: "fr", Received: true, Wholesalers: names,
			Programs: st.programNames(), Lines: r.Lines, Discrepancies: st.shown(),
			Rejected: r.RejectedRows, Files: r.Files, Warnings: r.Warnings,
			Resolved: r.Resolved, Responses: r.Responses,
			Budgets: r.Budgets, Exposures: r.Resellers,
			Attachment: att,
		}, mc.From, mc.ProgramManagers, now)
		if err != nil {
			return fmt.Errorf("cannot render the program managers' mail: %w", err)
		}
		st.messages = append(st.messages, msgs...)
	}
	return nil
}

// queuedMail lists the run's messages as queued, as they stand at the
// commit (or, with note, as a dry run leaves them).
func (st *state) queuedMail(note string) {
	st.report.Mail = st.report.Mail[:0]
	for _, m := range st.messages {
		st.report.Mail = append(st.report.Mail, reconcile.MailResult{
			Wholesaler: m.Wholesaler, Recipient: m.Recipient, MessageID: m.ID,
			Status: reconcile.MailQueued, Error: note,
		})
	}
}

// commit records the run in the ledger in one transaction.
func (st *state) commit(ctx context.Context, start, end, scheduled time.Time) error {
	report := st.ledgerReport
	if report == nil {
		return errors.New("the report for the ledger was not encoded: write run.json first")
	}
	c := ledger.Commit{
		Run: ledger.Run{ID: st.runID, AsOf: st.asOf, StartedAt: start, FinishedAt: end,
			ScheduledAt: scheduled, Status: "ok", AsOfInstant: st.asOfInstant},
		Report: report,
		Lines:  st.outcome.Lines,
		Seen:   st.outcome.Seen,
		Outbox: st.messages,
		// Spec §8: what the run changed in the waitlist and the resellers'
		// SIRENs, and its History rows.
		Waitlist: st.outcome.WaitlistChanges, Resellers: st.resellersPut, ResellersGone: st.resellersGone,
		History: st.runHistory,
		Replica: st.replica,
		// Spec §10: the findings the run opened, resolved or answered.
		Findings: st.findings, Responses: st.responses,
		StaleMailed: st.staleMailed, StaleCleared: st.staleCleared,
	}
	c.Findings.New = st.newFindings()
	for _, fw := range st.files {
		switch fw.result.Status {
		case reconcile.Processed, reconcile.Duplicate, reconcile.Responses:
			c.Files = append(c.Files, ledger.FileRecord{Wholesaler: fw.file.Wholesaler, Name: fw.file.Name,
				SHA256: fw.result.SHA256, Status: fw.result.Status})
		}
	}
	for _, f := range st.feeds {
		c.Feeds = append(c.Feeds, f.Wholesaler)
	}
	st.progressf("committing the ledger", 0, 1)
	if err := st.store.Commit(ctx, c); err != nil {
		return fmt.Errorf("cannot commit the run to the ledger (nothing was changed): %w", err)
	}
	return nil
}

// moveFiles archives processed and duplicate files and quarantines the
// unreadable ones. A failure here is reported, not fatal: the file stays in
// the inbox and the next run sees it as a duplicate. Where each content
// was archived goes into the ledger, for encours simulate.
func (st *state) moveFiles(ctx context.Context) {
	var archived []ledger.Archived
	for _, fw := range st.files {
		var err error
		switch fw.result.Status {
		case reconcile.Processed, reconcile.Duplicate, reconcile.Responses:
			var dst string
			if dst, err = st.in.Archive(fw.file, st.asOf); err == nil && fw.result.SHA256 != "" {
				archived = append(archived, ledger.Archived{SHA256: fw.result.SHA256, Path: st.dataRel(dst)})
			}
		case reconcile.Quarantined:
			if fw.response {
				_, err = st.in.QuarantineResponse(fw.file, fw.result.Error)
			} else {
				_, err = st.in.Quarantine(fw.file, fw.result.Error)
			}
		default:
			continue
		}
		if err != nil {
			msg := fmt.Sprintf("%s/%s could not be moved out of the inbox: %v", fw.file.Wholesaler, fw.file.Name, err)
			st.warnings = append(st.warnings, msg)
			st.report.Warnings = append(st.report.Warnings, msg)
			st.log.Error("cannot move file", "wholesaler", fw.file.Wholesaler, "file", fw.file.Name, "err", err)
		}
	}
	// The run is committed: a shutdown now must not lose this small write.
	if err := st.store.SetArchived(context.WithoutCancel(ctx), archived); err != nil {
		st.log.Warn("cannot record where the files were archived: encours simulate will look for them by content", "err", err)
	}
}

// dataRel names a path inside data_dir relative to it (the ledger then
// survives a move of data_dir), any other path as it is.
func (st *state) dataRel(p string) string {
	rel, err := filepath.Rel(st.cfg.DataDir, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return p
	}
	return rel
}

// warn adds a warning to the run and its report.
func (st *state) warn(msg string) {
	st.warnings = append(st.warnings, msg)
	st.report.Warnings = append(st.report.Warnings, msg)
	st.log.Warn(msg)
}

// sendMail flushes the outbox (this run's messages and any left from
// earlier runs) and reports this run's messages.
func (st *state) sendMail(ctx context.Context, sender *notify.Sender) {
	if sender != nil {
		if err := sender.Flush(ctx); err != nil {
			st.log.Error("mail delivery incomplete", "err", err)
		}
	}
	msgs, err := st.store.RunMail(ctx, st.runID)
	if err != nil {
		st.log.Error("cannot read the outbox", "err", err)
		return
	}
	st.report.Mail = st.report.Mail[:0]
	for _, m := range msgs {
		st.report.Mail = append(st.report.Mail, reconcile.MailResult{
			Wholesaler: m.Wholesaler, Recipient: m.Recipient, MessageID: m.ID,
			Status: m.Status, Attempts: m.Attempts, Error: m.LastError,
		})
	}
}

// writeReport writes run.json; with forLedger it also keeps the same
// report, compact and gzip-compressed, for the ledger's commit (one
// encoding pass for both).
func (st *state) writeReport(out string, forLedger bool) error {
	return inbox.WriteAtomic(out, "run.json", outputPerm, func(w io.Writer) error {
		if !forLedger {
			return encodeReport(w, nil, st.report)
		}
		var buf bytes.Buffer
		zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
		if err != nil {
			return err
		}
		if err := encodeReport(w, zw, st.report); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		st.ledgerReport = buf.Bytes()
		return nil
	})
}
