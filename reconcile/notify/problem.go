package notify

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/encours/encours/reconcile"
)

// LocalProblem is a rejected row's reason, a file's error (quarantined,
// deferred) or a run's warning as a reader of lang expects it. run.json
// keeps the English the readers and the run (reconcile/layout,
// reconcile/sheet, reconcile/batch, reconcile/inbox) wrote; for "fr" each of
// their phrasings is rewritten in French from the table problemFR, with the
// same figures and the cell text as it was sent. A new message for people
// gets its French by a rule in that table.
// A phrasing the table does not know leaves the whole text in English
// rather than half translated. English readers get the text unchanged: its
// quoted cell text is what the wholesaler wrote, so neither its dates nor
// its amounts are rewritten.
//
// A rejected row with several problems has them joined by "; " (see
// layout): each is translated, and must be known; failing that, the text
// is tried as one message (some say two things joined by "; ").
func LocalProblem(lang, text string) string {
	if language(lang) != "fr" || text == "" {
		return text
	}
	parts := strings.Split(text, "; ")
	if len(parts) > 1 {
		translated := true
		for i, p := range parts {
			fr, ok := problemToFR(p)
			if !ok {
				translated = false
				break
			}
			parts[i] = fr
		}
		if translated {
			return strings.Join(parts, " ; ")
		}
	}
	// One message whose own sentences are joined by "; ".
	if fr, ok := problemToFR(text); ok {
		return fr
	}
	return text
}

// LocalRejected returns rows with their reasons in lang (see LocalProblem);
// rows itself is not changed.
func LocalRejected(lang string, rows []reconcile.RejectedRow) []reconcile.RejectedRow {
	if language(lang) != "fr" {
		return rows
	}
	out := make([]reconcile.RejectedRow, len(rows))
	for i, r := range rows {
		r.Reason = LocalProblem(lang, r.Reason)
		out[i] = r
	}
	return out
}

// LocalFiles returns files with their errors in lang (see LocalProblem);
// files itself is not changed.
func LocalFiles(lang string, files []reconcile.FileResult) []reconcile.FileResult {
	if language(lang) != "fr" {
		return files
	}
	out := make([]reconcile.FileResult, len(files))
	for i, f := range files {
		f.Error = LocalProblem(lang, f.Error)
		out[i] = f
	}
	return out
}

// sheetPrefix is how reconcile/layout names the sheet a whole-sheet
// problem is in.
var sheetPrefix = regexp.MustCompile(`^(?:sheet "((?:[^"\\]|\\.)*)"|first sheet): `)

// problemToFR translates one phrasing, with the sheet it names if any.
func problemToFR(s string) (string, bool) {
	prefix := ""
	if m := sheetPrefix.FindStringSubmatch(s); m != nil {
		if strings.HasPrefix(s, "first sheet") {
			prefix = "première feuille : "
		} else {
			prefix = "feuille " + guillemets(`"`+m[1]+`"`) + " : "
		}
		s = s[len(m[0]):]
	}
	for _, r := range problemFR {
		if m := r.re.FindStringSubmatch(s); m != nil {
			if out, ok := r.fr(m); ok {
				return prefix + out, true
			}
			return "", false
		}
	}
	return "", false
}

// problemRule is one English phrasing and its French writing; fr may
// refuse (false) a match it cannot fully translate.
type problemRule struct {
	re *regexp.Regexp
	fr func(m []string) (string, bool)
}

// rule is a problemRule whose French is a template: $1…$9 are the
// submatches as they are.
func rule(re, out string) problemRule {
	return problemRule{regexp.MustCompile(re), func(m []string) (string, bool) { return expand(out, m), true }}
}

var dollar = regexp.MustCompile(`\$[1-9]`)

func expand(out string, m []string) string {
	return dollar.ReplaceAllStringFunc(out, func(d string) string {
		if i := int(d[1] - '0'); i < len(m) {
			return m[i]
		}
		return d
	})
}

// A cell's text as reconcile/layout quotes it: between straight quotes,
// not escaped.
const cellText = `"(.*)"`

// The phrasings, one per message a reader writes. Column names and cell
// text come through as sent; ISO dates become French dates; sizes in
// French units.
var problemFR = []problemRule{
	// reconcile/layout: rejected rows.
	rule(`^(.+) is empty: every row needs the reseller's code$`,
		"« $1 » est vide : chaque ligne doit porter le code du revendeur"),
	rule(`^(.+) is empty: fill it in$`, "« $1 » est vide : remplissez-la"),
	// The status words are the layout's, as configured: each is quoted,
	// so that a French reader sees words to type, not English text.
	{regexp.MustCompile(`^(.+) is empty: write one of (.+)$`), func(m []string) (string, bool) {
		return "« " + m[1] + " » est vide : écrivez l'un des statuts " + wordList(m[2]), true
	}},
	{regexp.MustCompile(`^(.+) ` + cellText + ` is not a known status: write one of (.+), or add it to status_values in config.yaml$`),
		func(m []string) (string, bool) {
			return "« " + m[1] + " » : « " + m[2] + " » n'est pas un statut connu : écrivez l'un des statuts " + wordList(m[3]) +
				", ou ajoutez-le à status_values dans config.yaml", true
		}},
	rule(`^(.+) `+cellText+` is negative: it cannot be below 0$`,
		"« $1 » : « $2 » est négatif : le montant ne peut pas être inférieur à 0"),
	rule(`^(.+) is empty: write the amount, 0 if none$`,
		"« $1 » est vide : écrivez le montant, 0 s'il n'y en a pas"),
	rule(`^(.+) `+cellText+` is over 10 000 000 000 000 €: check the column$`,
		"« $1 » : « $2 » dépasse 10 000 000 000 000 € : vérifiez la colonne"),
	rule(`^(.+) `+cellText+` is not an amount: write it like (.+)$`,
		"« $1 » : « $2 » n'est pas un montant : écrivez-le comme $3"),
	rule(`^(.+) `+cellText+` is not a date: write it like (.+) or (.+) 08:00$`,
		"« $1 » : « $2 » n'est pas une date : écrivez-la comme $3 ou $4 08:00"),
	rule(`^(.+) is empty: write the date like (.+)$`,
		"« $1 » est vide : écrivez la date comme $2"),
	rule(`^(.+) `+cellText+` is not a date: write it like (.+)$`,
		"« $1 » : « $2 » n'est pas une date : écrivez-la comme $3"),
	rule(`^(.+) `+cellText+` already appears on row (\d+), which is kept: remove one of the two rows$`,
		"« $1 » : « $2 » figure déjà ligne $3, qui est retenue : supprimez l'une des deux lignes"),

	// reconcile/batch: order lines checked against the run.
	{regexp.MustCompile(`^reseller ("(?:[^"\\]|\\.)*") is not in any accounts sheet sent with this order; add the account or correct the code$`),
		func(m []string) (string, bool) {
			return "le revendeur " + guillemets(m[1]) + " ne figure dans aucune feuille de comptes envoyée avec cette commande : ajoutez le compte ou corrigez le code", true
		}},
	{regexp.MustCompile(`^order dated (\d{4}-\d\d-\d\d) is after the run date (\d{4}-\d\d-\d\d); check the date$`),
		func(m []string) (string, bool) {
			return localDates("fr", expand("commande datée du $1, postérieure à la date du traitement, le $2 : vérifiez la date", m)), true
		}},

	// reconcile/layout: a whole sheet (the file is quarantined).
	{regexp.MustCompile(`^required column headers not found: (.*)\. Add or rename the columns in the export, or add the headers as aliases in the layout of config\.yaml$`),
		func(m []string) (string, bool) {
			what, ok := missingFR(m[1])
			if !ok {
				return "", false
			}
			return "en-têtes de colonnes obligatoires introuvables : " + what +
				". Ajoutez ou renommez les colonnes dans l'export, ou ajoutez ces en-têtes comme alias dans la mise en page (layout) de config.yaml", true
		}},
	rule(`^no data rows under the header \(header on row (\d+)\): the accounts sheet must list every reseller; export it again$`,
		"aucune ligne de données sous l'en-tête (ligne $1) : la feuille des comptes doit lister tous les revendeurs ; exportez-la à nouveau"),

	// reconcile/sheet: the file is not a workbook encours can read.
	rule(`^not an Excel workbook: the file is empty: export it again from Excel$`,
		"le fichier est vide : exportez-le à nouveau depuis Excel"),
	rule(`^not an Excel workbook \(perhaps a CSV, PDF or web page renamed \.xlsx\): open it in Excel and save it as "Excel Workbook \(\.xlsx\)"$`,
		"le fichier n'est pas un classeur Excel (peut-être un CSV, un PDF ou une page web renommé en .xlsx) : ouvrez-le dans Excel et enregistrez-le au format « Classeur Excel (.xlsx) »"),
	rule(`^not an Excel workbook but another zip archive \(perhaps a Word document or a zipped folder\): send the \.xlsx export itself$`,
		"le fichier est une archive zip mais pas un classeur Excel (peut-être un document Word ou un dossier compressé) : envoyez l'export .xlsx lui-même"),
	rule(`^not an Excel workbook but an OpenDocument spreadsheet \(\.ods\), even if its name ends in \.xlsx: open it in LibreOffice and save it as "Excel 2007-365 \(\.xlsx\)"$`,
		"le fichier est un classeur OpenDocument (.ods) et non un classeur Excel, même si son nom se termine par .xlsx : ouvrez-le dans LibreOffice et enregistrez-le au format « Excel 2007-365 (.xlsx) »"),
	rule(`^not an Excel workbook but an Apple Numbers document, even if its name ends in \.xlsx: in Numbers, use File > Export To > Excel and send that file$`,
		"le fichier est un document Apple Numbers et non un classeur Excel, même si son nom se termine par .xlsx : dans Numbers, choisissez Fichier > Exporter vers > Excel et envoyez ce fichier"),
	rule(`^not an Excel workbook: part (\S+) is written in the character set "([^"]*)", which encours does not know: open the file in Excel and save it again as "Excel Workbook \(\.xlsx\)"$`,
		"la partie $1 du classeur est écrite dans le jeu de caractères « $2 », qu'encours ne connaît pas : ouvrez le fichier dans Excel et enregistrez-le à nouveau au format « Classeur Excel (.xlsx) »"),
	rule(`^not an Excel workbook: the workbook has no sheet: export it again from Excel$`,
		"le classeur n'a aucune feuille : exportez-le à nouveau depuis Excel"),
	rule(`^legacy Excel 97-2003 workbook \(\.xls\), even if its name ends in \.xlsx: open it in Excel and save it as "Excel Workbook \(\.xlsx\)"$`,
		"ancien classeur Excel 97-2003 (.xls), même si son nom se termine par .xlsx : ouvrez-le dans Excel et enregistrez-le au format « Classeur Excel (.xlsx) »"),
	rule(`^password-protected workbook: Excel asks for a password to open it: remove the password \(File > Info > Protect Workbook\) and send it again$`,
		"classeur protégé par un mot de passe à l'ouverture : retirez le mot de passe (Fichier > Informations > Protéger le classeur) et renvoyez-le"),
	rule(`^Excel binary workbook \(\.xlsb\), which encours cannot read: open it in Excel and save it as "Excel Workbook \(\.xlsx\)"$`,
		"classeur binaire Excel (.xlsb), qu'encours ne sait pas lire : ouvrez-le dans Excel et enregistrez-le au format « Classeur Excel (.xlsx) »"),
	{regexp.MustCompile(`^damaged or incomplete workbook, perhaps cut short while being copied \((.*)\): export it again from Excel and copy it once more$`),
		func(m []string) (string, bool) {
			return "classeur endommagé ou incomplet, peut-être tronqué pendant la copie (" + damageFR(m[1]) +
				") : exportez-le à nouveau depuis Excel et copiez-le une nouvelle fois", true
		}},
	rule(`^damaged or incomplete workbook: part (.+) uses a compression Excel never uses: export it again from Excel$`,
		"classeur endommagé ou incomplet : la partie $1 utilise une compression qu'Excel n'emploie jamais : exportez-le à nouveau depuis Excel"),
	{regexp.MustCompile(`^sheet not found: the workbook has no sheet of cells, only (.*): export the table itself$`),
		func(m []string) (string, bool) {
			return "feuille introuvable : le classeur n'a aucune feuille de cellules, seulement " + guillemetList(m[1]) + " : exportez le tableau lui-même", true
		}},
	{regexp.MustCompile(`^not a sheet of cells: sheet ("(?:[^"\\]|\\.)*") is a (chart sheet|dialog sheet \(Excel 5\)|macro sheet \(Excel 4\)), which holds no table to read: set the name of the sheet holding the data in the layout of config\.yaml$`),
		func(m []string) (string, bool) {
			kind := map[string]string{"chart sheet": "une feuille graphique", "dialog sheet (Excel 5)": "une feuille de dialogue (Excel 5)",
				"macro sheet (Excel 4)": "une feuille macro (Excel 4)"}[m[2]]
			return "pas une feuille de cellules : la feuille " + guillemets(m[1]) + " est " + kind +
				", qui ne contient aucun tableau à lire : indiquez le nom de la feuille des données dans la mise en page (layout) de config.yaml", true
		}},
	{regexp.MustCompile(`^sheet not found: ("(?:[^"\\]|\\.)*") \(the workbook has (.*)\): rename the sheet, or set the sheet name in the layout of config\.yaml$`),
		func(m []string) (string, bool) {
			return "feuille introuvable : " + guillemets(m[1]) + " (le classeur contient " + guillemetList(m[2]) +
				") : renommez la feuille, ou indiquez son nom dans la mise en page (layout) de config.yaml", true
		}},
	sized(`^workbook too large: the file is (.+), over the (.+) limit: export fewer rows or columns, or raise limits\.max_file_bytes in config\.yaml$`,
		"classeur trop volumineux : le fichier fait $1, au-delà de la limite de $2 : exportez moins de lignes ou de colonnes, ou relevez limits.max_file_bytes dans config.yaml"),
	sized(`^workbook too large: the file unpacks to (.+), over the (.+) limit: export fewer rows or columns, or raise limits\.max_unzipped_bytes in config\.yaml$`,
		"classeur trop volumineux : le fichier décompressé fait $1, au-delà de la limite de $2 : exportez moins de lignes ou de colonnes, ou relevez limits.max_unzipped_bytes dans config.yaml"),
	sized(`^workbook too large: the file unpacks to more than (.+): export fewer rows or columns, or raise limits\.max_unzipped_bytes in config\.yaml$`,
		"classeur trop volumineux : le fichier décompressé fait plus de $1 : exportez moins de lignes ou de colonnes, ou relevez limits.max_unzipped_bytes dans config.yaml"),
	{regexp.MustCompile(`^workbook too large: sheet ("(?:[^"\\]|\\.)*") has more than (\d+) rows: split the export, or raise limits\.max_rows in config\.yaml$`),
		func(m []string) (string, bool) {
			return "classeur trop volumineux : la feuille " + guillemets(m[1]) + " a plus de " + m[2] +
				" lignes : scindez l'export, ou relevez limits.max_rows dans config.yaml", true
		}},
	rule(`^workbook too large: the workbook holds more than (\d+) texts, more than its (\d+)-row limit allows: split the export, or raise limits\.max_rows in config\.yaml$`,
		"classeur trop volumineux : le classeur contient plus de $1 textes, davantage que sa limite de $2 lignes ne le permet : scindez l'export, ou relevez limits.max_rows dans config.yaml"),
	sized(`^shared-string table too large: the workbook's text table unpacks to (.+), over the (.+) it may take: export fewer rows or columns, or raise limits\.max_unzipped_bytes in config\.yaml$`,
		"table des textes trop volumineuse : elle fait $1 une fois décompressée, au-delà des $2 permis : exportez moins de lignes ou de colonnes, ou relevez limits.max_unzipped_bytes dans config.yaml"),
	rule(`^too many parts in the workbook: the file holds (\d+) parts where a workbook has a few dozen \(at most (\d+) accepted\): it is not an export; ask for a fresh export from the wholesaler's system$`,
		"trop de parties dans le classeur : le fichier en contient $1 là où un classeur en a quelques dizaines (au plus $2 acceptées) : ce n'est pas un export ; demandez un nouvel export au système du grossiste"),
	sized(`^zip bomb: the file is (.+) but its part (.+) unpacks to more than (.+) \((its header says|.+)\), which no export does: the file was not made by Excel or an export tool; do not open it, and ask the wholesaler for a fresh export$`,
		"bombe zip : le fichier fait $1 mais sa partie $2 se décompresse en plus de $3 ($4), ce qu'aucun export ne fait : le fichier n'a pas été produit par Excel ni par un outil d'export ; ne l'ouvrez pas, et demandez au grossiste un nouvel export"),
	rule(`^DOCTYPE or entity declaration in the workbook \(part (.+)\), which Excel never writes and which can make a reader expand text without end: the file was not made by Excel; ask the wholesaler for a fresh export$`,
		"déclaration DOCTYPE ou d'entités dans le classeur (partie $1), qu'Excel n'écrit jamais et qui peut faire gonfler le texte sans fin : le fichier n'a pas été produit par Excel ; demandez au grossiste un nouvel export"),
	{regexp.MustCompile(`^(cell|row) (\S+) in sheet ("(?:[^"\\]|\\.)*"): cell reference beyond XFD1048576, Excel's last cell, so it would be dropped without a word: the file was not made by Excel; export it again$`),
		func(m []string) (string, bool) {
			what := map[string]string{"cell": "la cellule ", "row": "la ligne "}[m[1]]
			return "référence de cellule au-delà de XFD1048576, la dernière cellule d'Excel : " + what + m[2] + " de la feuille " + guillemets(m[3]) +
				" serait ignorée sans avertissement : le fichier n'a pas été produit par Excel ; exportez-le à nouveau", true
		}},
	{regexp.MustCompile(`^bad shared-string index: cell (\S+) in sheet ("(?:[^"\\]|\\.)*") refers to text ("(?:[^"\\]|\\.)*"), which is not a text number, so it would read as blank: the file is damaged; export it again from Excel$`),
		func(m []string) (string, bool) {
			return "index de texte invalide : la cellule " + m[1] + " de la feuille " + guillemets(m[2]) + " renvoie au texte " + guillemets(m[3]) +
				", qui n'est pas un numéro de texte, et se lirait vide : le fichier est endommagé ; exportez-le à nouveau depuis Excel", true
		}},
	{regexp.MustCompile(`^bad shared-string index: cell (\S+) in sheet ("(?:[^"\\]|\\.)*") refers to text number (\d+), but the workbook holds only (\d+) texts, so it would read as blank: the file is damaged; export it again from Excel$`),
		func(m []string) (string, bool) {
			return "index de texte invalide : la cellule " + m[1] + " de la feuille " + guillemets(m[2]) + " renvoie au texte n° " + m[3] +
				", mais le classeur n'en contient que " + m[4] + ", et se lirait vide : le fichier est endommagé ; exportez-le à nouveau depuis Excel", true
		}},

	// reconcile/batch and reconcile/inbox: files left for later.
	{regexp.MustCompile(`^the file is larger than the limit of (\d+) bytes \(limits\.max_file_bytes\); split the export or raise the limit$`),
		func(m []string) (string, bool) {
			return "le fichier dépasse la limite de " + groupDigits(m[1]) + " octets (limits.max_file_bytes) : scindez l'export ou relevez la limite", true
		}},
	rule(`^the file changed while it was read \(still being copied\?\); it will be read at the next run$`,
		"le fichier a changé pendant sa lecture (copie encore en cours ?) : il sera lu au prochain passage"),
	rule(`^its size or modification time changed within (.+): it is still being copied and is left for the next run$`,
		"sa taille ou sa date de modification a changé en $1 : sa copie est encore en cours, il est laissé pour le prochain passage"),
	rule(`^modified (.+) ago, less than min_file_age (.+): it may still be being copied and is left for the next run$`,
		"modifié il y a $1, moins que min_file_age ($2) : sa copie est peut-être encore en cours, il est laissé pour le prochain passage"),
	rule(`^it is no longer a regular file; it is left for the next run$`,
		"ce n'est plus un fichier ordinaire : il est laissé pour le prochain passage"),

	// reconcile/layout and reconcile/batch: a workbook sent back with
	// answers (spec §10.2).
	rule(`^(.+) `+cellText+` is not an answer: choose (.+) in the list$`,
		"« $1 » : « $2 » n'est pas une réponse : choisissez $3 dans la liste"),
	rule(`^(.+) is empty but (.+) is filled in: choose (.+) in the list, or the comment is not recorded$`,
		"« $1 » est vide mais « $2 » est rempli : choisissez $3 dans la liste, sinon le commentaire n'est pas enregistré"),
	rule(`^(.+) is empty: answer in the row of the finding and leave its reference as it is$`,
		"« $1 » est vide : répondez sur la ligne de l'écart sans modifier sa référence"),
	rule(`^reference `+cellText+` is not one of your findings: answer in the row of a finding without changing its reference$`,
		"la référence « $1 » n'est celle d'aucun de vos écarts : répondez sur la ligne d'un écart sans modifier sa référence"),
	{regexp.MustCompile(`^this finding \(([a-z_]+), reseller (.*)\) was resolved on (\d{4}-\d\d-\d\d): there is nothing to answer any more$`),
		func(m []string) (string, bool) {
			return localDates("fr", "cet écart ("+KindWord("fr", reconcile.DiscrepancyKind(m[1]))+", client "+m[2]+") a été résolu le "+m[3]+
				" : il n'y a plus rien à y répondre"), true
		}},
	rule(`^the response columns are missing: sheet `+cellText+` has no column headed "(.+)" \("(.+)"\) and "(.+)" \("(.+)"\); answer in the workbook encours sent, without renaming or removing its columns$`,
		"les colonnes de réponse manquent : la feuille « $1 » n'a pas de colonne « $2 » ni « $4 » : répondez dans le classeur envoyé par encours, sans renommer ni supprimer ses colonnes"),
	rule(`^the workbook's encours marker is damaged \(sheet `+cellText+` was edited\): send back the workbook encours sent, with only its answer columns filled in$`,
		"la marque encours du classeur est endommagée (la feuille « $1 » a été modifiée) : renvoyez le classeur envoyé par encours, en ne remplissant que ses colonnes de réponse"),
	rule(`^this workbook is another wholesaler's: each wholesaler sends back only the workbook encours sent to it$`,
		"ce classeur est celui d'un autre grossiste : chaque grossiste ne renvoie que le classeur qu'encours lui a envoyé"),
	rule(`^this workbook's encours marker does not verify \(forged, or its run, wholesaler or date edited\): answers are taken only from a workbook encours sent; fill in the latest one and drop it again$`,
		"la marque encours de ce classeur n'est pas authentique (contrefaite, ou son exécution, son grossiste ou sa date modifiés) : seules les réponses d'un classeur envoyé par encours sont prises en compte ; remplissez le dernier reçu et déposez-le à nouveau"),
	rule(`^the workbook carries encours' marker but its Discrepancies sheet \(Écarts\) is missing: fill in the answers in the workbook encours sent, without deleting or renaming its sheets, and drop it again$`,
		"le classeur porte la marque encours mais sa feuille Écarts manque : remplissez les réponses dans le classeur envoyé par encours, sans supprimer ni renommer ses feuilles, et déposez-le à nouveau"),
	// reconcile/inbox and reconcile/batch: the run's warnings.
	rule(`^folder (.+) does not belong to any configured wholesaler and was left alone: add the wholesaler to the config or move its files into the right wholesaler's folder$`,
		"le dossier $1 n'appartient à aucun grossiste configuré et n'a pas été touché : ajoutez le grossiste à la configuration ou déplacez ses fichiers dans le dossier du bon grossiste"),
	rule(`^(.+) lies at the root of the inbox and was left alone: move it into its wholesaler's folder$`,
		"$1 se trouve à la racine de la boîte de dépôt et n'a pas été touché : déplacez-le dans le dossier de son grossiste"),
	rule(`^(.+) was left alone: its name cannot be handled safely \((.*)\)$`,
		"$1 n'a pas été touché : son nom ne peut pas être traité sans risque (détail technique : $2)"),
	rule(`^(.+) is a symbolic link and was not followed: put the file itself in the folder$`,
		"$1 est un lien symbolique et n'a pas été suivi : déposez le fichier lui-même dans le dossier"),
	rule(`^folder (.+) was not opened: sub-folders are not read, move its files up into (.+)$`,
		"le dossier $1 n'a pas été ouvert : les sous-dossiers ne sont pas lus, remontez ses fichiers dans $2"),
	rule(`^(.+) is not a regular file and was left alone$`,
		"$1 n'est pas un fichier ordinaire et n'a pas été touché"),
	rule(`^(.+) is (\d+) MiB, over the (\d+) MiB a mail may carry: it is not attached; it is in (.+)$`,
		"$1 fait $2 Mio, au-delà des $3 Mio qu'un courriel peut porter : il n'est pas joint ; il se trouve dans $4"),
	rule(`^(.+) could not be moved out of the inbox: (.*)$`,
		"$1 n'a pas pu être sorti de la boîte de dépôt ; il sera vu comme un doublon au prochain passage (détail technique : $2)"),
}

// sized is a rule whose submatches that are sizes ("12.3 MiB") are written
// the French way ("12,3 Mio").
func sized(re, out string) problemRule {
	return problemRule{regexp.MustCompile(re), func(m []string) (string, bool) {
		fm := make([]string, len(m))
		for i, s := range m {
			fm[i] = sizeFR(s)
		}
		return expand(out, fm), true
	}}
}

var sizeText = regexp.MustCompile(`^(\d+)(?:\.(\d))? (bytes|KiB|MiB|GiB)$`)

func sizeFR(s string) string {
	m := sizeText.FindStringSubmatch(s)
	if m == nil {
		return s
	}
	unit := map[string]string{"bytes": "octets", "KiB": "Kio", "MiB": "Mio", "GiB": "Gio"}[m[3]]
	n := m[1]
	if m[2] != "" {
		n += "," + m[2]
	}
	return n + " " + unit
}

// wordList quotes each word of a ", "-separated list the French way:
// « active », « ok » ou « closed ».
func wordList(s string) string {
	words := strings.Split(s, ", ")
	for i, w := range words {
		words[i] = "« " + w + " »"
	}
	if len(words) == 1 {
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " ou " + words[len(words)-1]
}

// groupDigits writes 104857600 as 104 857 600.
func groupDigits(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// damageFR translates the detail a damaged workbook's message gives;
// an unknown one, technical, is kept as written.
func damageFR(d string) string {
	if d == "the zip structure is broken" {
		return "la structure zip est cassée"
	}
	if m := partMissing.FindStringSubmatch(d); m != nil {
		return "la partie " + m[2] + " de la feuille " + guillemets(m[1]) + " manque dans le fichier"
	}
	if m := noPart.FindStringSubmatch(d); m != nil {
		return "la feuille " + guillemets(m[1]) + " n'a aucune partie dans le fichier"
	}
	return "détail technique : " + d
}

var (
	partMissing = regexp.MustCompile(`^sheet ("(?:[^"\\]|\\.)*"): its part (\S+) is missing from the file$`)
	noPart      = regexp.MustCompile(`^sheet ("(?:[^"\\]|\\.)*") has no part in the file$`)
)

var (
	emptyTop       = regexp.MustCompile(`^the first (\d+) rows are empty$`)
	missingHeaders = regexp.MustCompile(`^missing (.+); the closest row, row (\d+), has the headers (.*)$`)
)

// missingFR translates what layout says about missing headers.
func missingFR(s string) (string, bool) {
	if m := emptyTop.FindStringSubmatch(s); m != nil {
		return "les " + m[1] + " premières lignes sont vides", true
	}
	m := missingHeaders.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	fields := strings.ReplaceAll(m[1], " (a column headed ", " (une colonne intitulée ")
	fields = strings.ReplaceAll(fields, `" or "`, `" ou "`)
	return "il manque " + guillemetList(fields) + " ; la ligne la plus proche, ligne " + m[2] +
		", a pour en-têtes " + guillemetList(m[3]), true
}

// goQuoted is a string as %q writes it.
var goQuoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// guillemets rewrites a %q-quoted string as « text ».
func guillemets(q string) string {
	s, err := strconv.Unquote(q)
	if err != nil {
		s = strings.Trim(q, `"`)
	}
	return "« " + s + " »"
}

// guillemetList rewrites every %q-quoted string in s as « text ».
func guillemetList(s string) string {
	return goQuoted.ReplaceAllStringFunc(s, guillemets)
}
