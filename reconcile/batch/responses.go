package batch

import (
	"context"
	"errors"
	"fmt"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/inbox"
	"github.com/encours/encours/reconcile/layout"
	"github.com/encours/encours/reconcile/sheet"
)

// Reasons a response file is quarantined (spec §10.2). They do not name
// another wholesaler: the folder's owner reads them in its mail.
var (
	errForeignMarker = errors.New("this workbook is another wholesaler's: each wholesaler sends back only the workbook encours sent to it")
	errBadSignature  = errors.New("this workbook's encours marker does not verify (forged, or its run, wholesaler or date edited): answers are taken only from a workbook encours sent; fill in the latest one and drop it again")
	errNoDiscSheet   = errors.New("the workbook carries encours' marker but its Discrepancies sheet (Écarts) is missing: fill in the answers in the workbook encours sent, without deleting or renaming its sheets, and drop it again")
)

// responseFile is what a response file brought: its marker and its
// answered rows, read but not yet matched with the findings.
type responseFile struct {
	marker reconcile.Marker
	read   layout.Responses
}

// signingKey returns the secret that signs the workbooks' markers,
// created in data_dir on first use.
func (st *state) signingKey() ([]byte, error) {
	if st.key == nil {
		k, err := inbox.SigningKey(st.cfg.DataDir)
		if err != nil {
			return nil, err
		}
		st.key = k
	}
	return st.key, nil
}

// isResponseWorkbook reports whether a workbook carries encours' marker
// sheet: a wholesaler's workbook sent back, not an export.
func isResponseWorkbook(wb *sheet.Workbook) bool {
	for _, s := range wb.SheetNames() {
		if layout.Fold(s) == layout.Fold(layout.MarkerSheet) {
			return true
		}
	}
	return false
}

// readResponseFile reads a response file: its marker must verify and name
// the wholesaler of the folder it was dropped into (the folder decides the
// wholesaler), and its Discrepancies sheet must be there. An error
// quarantines the file with that reason.
func (st *state) readResponseFile(ctx context.Context, fw *fileWork, wb *sheet.Workbook) error {
	rows, err := wb.Rows(layout.MarkerSheet)
	if err != nil {
		return err
	}
	m, sig, err := layout.ReadMarker(cancellable(ctx, rows))
	rows.Close()
	if err != nil {
		return err
	}
	key, err := st.signingKey()
	if err != nil {
		return err
	}
	if !m.Verify(key, sig) {
		st.log.Warn("response file with a bad signature", "wholesaler", fw.file.Wholesaler, "file", fw.file.Name)
		return errBadSignature
	}
	if m.Wholesaler != fw.file.Wholesaler {
		st.log.Warn("response file of another wholesaler", "wholesaler", fw.file.Wholesaler, "file", fw.file.Name,
			"marker_wholesaler", m.Wholesaler, "marker_run", m.RunID)
		return errForeignMarker
	}
	sheet := ""
	for _, s := range wb.SheetNames() {
		for _, want := range []string{"Écarts", "Discrepancies"} {
			if sheet == "" && layout.Fold(s) == layout.Fold(want) {
				sheet = s
			}
		}
	}
	if sheet == "" {
		return errNoDiscSheet
	}
	rows, err = wb.Rows(sheet)
	if err != nil {
		return err
	}
	read, err := layout.ReadResponses(cancellable(ctx, rows), sheet, fw.file.Name)
	rows.Close()
	if err != nil {
		return err
	}
	fw.sheet = sheet
	fw.responses = &responseFile{marker: m, read: read}
	return nil
}

// matchResponses records the answers of this run's response files against
// the findings open before the run, by reference. An answer to a finding
// that is resolved, or to a reference that is none of the wholesaler's
// findings, is a rejected row of its file; the others become run.json's
// responses (the last answer to a finding in a file counts).
func (st *state) matchResponses(ctx context.Context, open []reconcile.Finding) ([]reconcile.FindingResponse, error) {
	byRef := map[[2]string]reconcile.Finding{}
	for _, f := range open {
		byRef[[2]string{f.Wholesaler, f.Ref}] = f
	}
	var out []reconcile.FindingResponse
	for _, fw := range st.files {
		rf := fw.responses
		if rf == nil || fw.result.Status != reconcile.Responses {
			continue
		}
		w := fw.file.Wholesaler
		st.addRejected(w, rf.read.Rejected)
		var unknown []string
		for _, r := range rf.read.Rows {
			if _, ok := byRef[[2]string{w, r.Ref}]; !ok {
				unknown = append(unknown, r.Ref)
			}
		}
		known := map[string]reconcile.Finding{}
		if len(unknown) > 0 {
			fs, err := st.store.FindingsByRef(ctx, w, unknown)
			if err != nil {
				return nil, fmt.Errorf("cannot read the ledger: %w", err)
			}
			for _, f := range fs {
				known[f.Ref] = f
			}
		}
		last := map[reconcile.FindingKey]int{} // key → index in out, within this file
		for _, r := range rf.read.Rows {
			f, ok := byRef[[2]string{w, r.Ref}]
			if !ok {
				reason := fmt.Sprintf("reference %q is not one of your findings: answer in the row of a finding without changing its reference", r.Ref)
				if g, found := known[r.Ref]; found && !g.Open() {
					reason = fmt.Sprintf("this finding (%s, reseller %s) was resolved on %s: there is nothing to answer any more",
						g.Kind, g.ResellerID, g.ResolvedOn)
				}
				st.rejected = append(st.rejected, reconcile.RejectedRow{Wholesaler: w, File: fw.file.Name, Sheet: fw.sheet,
					Row: r.Row, Column: rf.read.Columns[layout.ResponseRef], Reason: reason})
				continue
			}
			resp := reconcile.FindingResponse{Wholesaler: w, Kind: f.Kind, ResellerID: f.ResellerID, Program: f.Program,
				OrderID: f.OrderID, Response: r.Answer, Comment: r.Comment, File: fw.file.Name, FirstRun: f.FirstRun, Row: r.Row}
			if i, dup := last[f.Key()]; dup {
				out[i] = resp
				continue
			}
			last[f.Key()] = len(out)
			out = append(out, resp)
		}
	}
	return out, nil
}

// applyAnswers shows this run's answers beside their findings in the
// run's own outputs: the discrepancies of the same episode (same
// reference) and the findings resolved in this run.
func (st *state) applyAnswers(responses []reconcile.FindingResponse, ds []reconcile.Discrepancy, resolved []reconcile.Finding) {
	if len(responses) == 0 {
		return
	}
	byRef := make(map[string]reconcile.FindingResponse, len(responses))
	for _, r := range responses {
		byRef[reconcile.FindingRef(r.Key(), r.FirstRun)] = r
	}
	for i := range ds {
		if r, ok := byRef[ds[i].Ref]; ok && r.Key() == ds[i].Key() {
			ds[i].Response, ds[i].Comment, ds[i].AnsweredOn = r.Response, r.Comment, st.asOf
		}
	}
	for i := range resolved {
		if r, ok := byRef[resolved[i].Ref]; ok && r.Key() == resolved[i].Key() {
			resolved[i].Response, resolved[i].Comment, resolved[i].AnsweredOn = r.Response, r.Comment, st.asOf
		}
	}
}
