package notify

import (
	"regexp"

	"github.com/encours/encours/reconcile"
)

// WholesalerProblem is LocalProblem for a wholesaler, an outside party:
// the advice only the vendor can follow (config.yaml, its limits and its
// layouts) becomes what the wholesaler can do, which is to fix its export
// or ask the vendor's team ("us": the mail and the workbook come from it)
// to change the setting. run.json, the program managers' mail and the
// consolidated workbook keep the advice as the run wrote it.
func WholesalerProblem(lang, text string) string {
	out := LocalProblem(lang, text)
	rules := vendorAdviceEN
	if language(lang) == "fr" {
		rules = vendorAdviceFR
	}
	for _, r := range rules {
		out = r.re.ReplaceAllString(out, r.out)
	}
	return out
}

// WholesalerRejected returns rows with their reasons for a wholesaler in
// lang (see WholesalerProblem); rows itself is not changed.
func WholesalerRejected(lang string, rows []reconcile.RejectedRow) []reconcile.RejectedRow {
	out := make([]reconcile.RejectedRow, len(rows))
	for i, r := range rows {
		r.Reason = WholesalerProblem(lang, r.Reason)
		out[i] = r
	}
	return out
}

// WholesalerFiles returns files with their errors for a wholesaler in lang
// (see WholesalerProblem); files itself is not changed.
func WholesalerFiles(lang string, files []reconcile.FileResult) []reconcile.FileResult {
	out := make([]reconcile.FileResult, len(files))
	for i, f := range files {
		f.Error = WholesalerProblem(lang, f.Error)
		out[i] = f
	}
	return out
}

// advice rewrites one piece of vendor-only advice.
type advice struct {
	re  *regexp.Regexp
	out string
}

func adv(re, out string) advice { return advice{regexp.MustCompile(re), out} }

// vendorAdviceEN and vendorAdviceFR rewrite, in the English the run writes
// and in LocalProblem's French, each piece of advice that names the
// vendor's configuration.
var (
	vendorAdviceEN = []advice{
		adv(`, or add it to status_values in config\.yaml`, ", or ask us to add this word to the status words we read in your exports"),
		adv(`, or add the headers as aliases in the layout of config\.yaml`, ", or ask us to add these headers to the ones we read in your exports"),
		adv(`: set the name of the sheet holding the data in the layout of config\.yaml`, ": put the data in a sheet of cells, or ask us to read another sheet"),
		adv(`, or set the sheet name in the layout of config\.yaml`, ", or ask us to read the sheet under its current name"),
		adv(`, or raise limits\.\w+ in config\.yaml`, ", or ask us to raise the limit"),
		adv(` \(limits\.max_file_bytes\); (split the export|send a smaller export) or raise the limit`, "; $1, or ask us to raise the limit"),
		adv(`, less than min_file_age (\S+):`, ", less than the $1 a file must rest before it is read:"),
	}
	vendorAdviceFR = []advice{
		adv(`, ou ajoutez-le à status_values dans config\.yaml`, ", ou demandez-nous d'ajouter ce mot aux statuts que nous lisons dans vos exports"),
		adv(`, ou ajoutez ces en-têtes comme alias dans la mise en page \(layout\) de config\.yaml`, ", ou demandez-nous d'ajouter ces en-têtes à ceux que nous lisons dans vos exports"),
		adv(` : indiquez le nom de la feuille des données dans la mise en page \(layout\) de config\.yaml`, " : placez les données dans une feuille de cellules, ou demandez-nous de lire une autre feuille"),
		adv(`, ou indiquez son nom dans la mise en page \(layout\) de config\.yaml`, ", ou demandez-nous de lire la feuille sous son nom actuel"),
		adv(`, ou relevez limits\.\w+ dans config\.yaml`, ", ou demandez-nous de relever la limite"),
		adv(` \(limits\.max_file_bytes\) : scindez l'export ou relevez la limite`, " : scindez l'export, ou demandez-nous de relever la limite"),
		adv(`, moins que min_file_age \(([^)]*)\) :`, ", moins que le délai de $1 qu'un fichier doit attendre avant d'être lu :"),
		// English the table does not translate.
		adv(` \(limits\.max_file_bytes\); (split the export|send a smaller export) or raise the limit`, "; $1, or ask us to raise the limit"),
	}
)
