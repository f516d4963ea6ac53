package notify

import (
	"bytes"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/encours/encours/reconcile"
	"github.com/encours/encours/reconcile/inbox"
	"github.com/encours/encours/reconcile/layout"
	"github.com/encours/encours/reconcile/sheet"
	"github.com/encours/encours/reconcile/sheet/sheettest"
)

// One case per phrasing of problemFR, as the readers write it; the test
// fails if a rule has no case.
func TestLocalProblem(t *testing.T) {
	tests := []struct{ in, want string }{
		// Rejected rows (reconcile/layout).
		{`Code client is empty: every row needs the reseller's code`,
			`« Code client » est vide : chaque ligne doit porter le code du revendeur`},
		{`N° commande is empty: fill it in`, `« N° commande » est vide : remplissez-la`},
		{`Statut is empty: write one of active, actif, ok, terminated, résilié, closed`,
			`« Statut » est vide : écrivez l'un des statuts « active », « actif », « ok », « terminated », « résilié » ou « closed »`},
		{`Statut "Suspendu" is not a known status: write one of active, actif, ok, terminated, résilié, closed, Radié, or add it to status_values in config.yaml`,
			`« Statut » : « Suspendu » n'est pas un statut connu : écrivez l'un des statuts « active », « actif », « ok », « terminated », « résilié », « closed » ou « Radié », ou ajoutez-le à status_values dans config.yaml`},
		{`Limite assurée "-2000" is negative: it cannot be below 0`,
			`« Limite assurée » : « -2000 » est négatif : le montant ne peut pas être inférieur à 0`},
		{`Encours is empty: write the amount, 0 if none`, `« Encours » est vide : écrivez le montant, 0 s'il n'y en a pas`},
		{`Encours "99999999999999" is over 10 000 000 000 000 €: check the column`,
			`« Encours » : « 99999999999999 » dépasse 10 000 000 000 000 € : vérifiez la colonne`},
		{`Encours "n.c." is not an amount: write it like 12 340,00`,
			`« Encours » : « n.c. » n'est pas un montant : écrivez-le comme 12 340,00`},
		{`Accord financement "hier" is not a date: write it like 30/06/2009 or 30/06/2009 08:00`,
			`« Accord financement » : « hier » n'est pas une date : écrivez-la comme 30/06/2009 ou 30/06/2009 08:00`},
		{`Date is empty: write the date like 30/06/2009`, `« Date » est vide : écrivez la date comme 30/06/2009`},
		{`Date "2009-13-45" is not a date: write it like 30/06/2009`,
			`« Date » : « 2009-13-45 » n'est pas une date : écrivez-la comme 30/06/2009`},
		{`Code client "C1005" already appears on row 9, which is kept: remove one of the two rows`,
			`« Code client » : « C1005 » figure déjà ligne 9, qui est retenue : supprimez l'une des deux lignes`},
		// Several problems on one row.
		{`Code client is empty: every row needs the reseller's code; Encours "n.c." is not an amount: write it like 12 340,00`,
			`« Code client » est vide : chaque ligne doit porter le code du revendeur ; « Encours » : « n.c. » n'est pas un montant : écrivez-le comme 12 340,00`},

		// Order lines (reconcile/batch).
		{`reseller "C9\"99" is not in any accounts sheet sent with this order; add the account or correct the code`,
			`le revendeur « C9"99 » ne figure dans aucune feuille de comptes envoyée avec cette commande : ajoutez le compte ou corrigez le code`},
		{`order dated 2009-05-05 is after the run date 2009-05-04; check the date`,
			`commande datée du 05/05/2009, postérieure à la date du traitement, le 04/05/2009 : vérifiez la date`},

		// Whole sheets (reconcile/layout).
		{`sheet "Encours": required column headers not found: missing insured_limit (a column headed "Limite assurée" or "Limite"); the closest row, row 2, has the headers "Code client", "Statut". Add or rename the columns in the export, or add the headers as aliases in the layout of config.yaml`,
			`feuille « Encours » : en-têtes de colonnes obligatoires introuvables : il manque insured_limit (une colonne intitulée « Limite assurée » ou « Limite ») ; la ligne la plus proche, ligne 2, a pour en-têtes « Code client », « Statut ». Ajoutez ou renommez les colonnes dans l'export, ou ajoutez ces en-têtes comme alias dans la mise en page (layout) de config.yaml`},
		{`first sheet: required column headers not found: the first 20 rows are empty. Add or rename the columns in the export, or add the headers as aliases in the layout of config.yaml`,
			`première feuille : en-têtes de colonnes obligatoires introuvables : les 20 premières lignes sont vides. Ajoutez ou renommez les colonnes dans l'export, ou ajoutez ces en-têtes comme alias dans la mise en page (layout) de config.yaml`},
		{`sheet "Encours": no data rows under the header (header on row 3): the accounts sheet must list every reseller; export it again`,
			`feuille « Encours » : aucune ligne de données sous l'en-tête (ligne 3) : la feuille des comptes doit lister tous les revendeurs ; exportez-la à nouveau`},

		// Files (reconcile/xlsx).
		{`not an Excel workbook: the file is empty: export it again from Excel`, `le fichier est vide : exportez-le à nouveau depuis Excel`},
		{`not an Excel workbook (perhaps a CSV, PDF or web page renamed .xlsx): open it in Excel and save it as "Excel Workbook (.xlsx)"`,
			`le fichier n'est pas un classeur Excel (peut-être un CSV, un PDF ou une page web renommé en .xlsx) : ouvrez-le dans Excel et enregistrez-le au format « Classeur Excel (.xlsx) »`},
		{`not an Excel workbook but another zip archive (perhaps a Word document or a zipped folder): send the .xlsx export itself`,
			`le fichier est une archive zip mais pas un classeur Excel (peut-être un document Word ou un dossier compressé) : envoyez l'export .xlsx lui-même`},
		{`not an Excel workbook but an OpenDocument spreadsheet (.ods), even if its name ends in .xlsx: open it in LibreOffice and save it as "Excel 2007-365 (.xlsx)"`,
			`le fichier est un classeur OpenDocument (.ods) et non un classeur Excel, même si son nom se termine par .xlsx : ouvrez-le dans LibreOffice et enregistrez-le au format « Excel 2007-365 (.xlsx) »`},
		{`not an Excel workbook but an Apple Numbers document, even if its name ends in .xlsx: in Numbers, use File > Export To > Excel and send that file`,
			`le fichier est un document Apple Numbers et non un classeur Excel, même si son nom se termine par .xlsx : dans Numbers, choisissez Fichier > Exporter vers > Excel et envoyez ce fichier`},
		{`sheet "Encours": not an Excel workbook: part xl/worksheets/sheet1.xml is written in the character set "x-klingon", which encours does not know: open the file in Excel and save it again as "Excel Workbook (.xlsx)"`,
			`feuille « Encours » : la partie xl/worksheets/sheet1.xml du classeur est écrite dans le jeu de caractères « x-klingon », qu'encours ne connaît pas : ouvrez le fichier dans Excel et enregistrez-le à nouveau au format « Classeur Excel (.xlsx) »`},
		{`not an Excel workbook: the workbook has no sheet: export it again from Excel`, `le classeur n'a aucune feuille : exportez-le à nouveau depuis Excel`},
		{`legacy Excel 97-2003 workbook (.xls), even if its name ends in .xlsx: open it in Excel and save it as "Excel Workbook (.xlsx)"`,
			`ancien classeur Excel 97-2003 (.xls), même si son nom se termine par .xlsx : ouvrez-le dans Excel et enregistrez-le au format « Classeur Excel (.xlsx) »`},
		{`password-protected workbook: Excel asks for a password to open it: remove the password (File > Info > Protect Workbook) and send it again`,
			`classeur protégé par un mot de passe à l'ouverture : retirez le mot de passe (Fichier > Informations > Protéger le classeur) et renvoyez-le`},
		{`Excel binary workbook (.xlsb), which encours cannot read: open it in Excel and save it as "Excel Workbook (.xlsx)"`,
			`classeur binaire Excel (.xlsb), qu'encours ne sait pas lire : ouvrez-le dans Excel et enregistrez-le au format « Classeur Excel (.xlsx) »`},
		{`damaged or incomplete workbook, perhaps cut short while being copied (the zip structure is broken): export it again from Excel and copy it once more`,
			`classeur endommagé ou incomplet, peut-être tronqué pendant la copie (la structure zip est cassée) : exportez-le à nouveau depuis Excel et copiez-le une nouvelle fois`},
		{`damaged or incomplete workbook, perhaps cut short while being copied (sheet "Encours" has no part in the file): export it again from Excel and copy it once more`,
			`classeur endommagé ou incomplet, peut-être tronqué pendant la copie (la feuille « Encours » n'a aucune partie dans le fichier) : exportez-le à nouveau depuis Excel et copiez-le une nouvelle fois`},
		{`damaged or incomplete workbook, perhaps cut short while being copied (part xl/workbook.xml: malformed XML: a tag without a name): export it again from Excel and copy it once more`,
			`classeur endommagé ou incomplet, peut-être tronqué pendant la copie (détail technique : part xl/workbook.xml: malformed XML: a tag without a name) : exportez-le à nouveau depuis Excel et copiez-le une nouvelle fois`},
		{`damaged or incomplete workbook: part xl/styles.xml uses a compression Excel never uses: export it again from Excel`,
			`classeur endommagé ou incomplet : la partie xl/styles.xml utilise une compression qu'Excel n'emploie jamais : exportez-le à nouveau depuis Excel`},
		{`sheet not found: "Comptes" (the workbook has "Feuil1", "Feuil2"): rename the sheet, or set the sheet name in the layout of config.yaml`,
			`feuille introuvable : « Comptes » (le classeur contient « Feuil1 », « Feuil2 ») : renommez la feuille, ou indiquez son nom dans la mise en page (layout) de config.yaml`},
		{`workbook too large: the file is 12.3 MiB, over the 10.0 MiB limit: export fewer rows or columns, or raise limits.max_file_bytes in config.yaml`,
			`classeur trop volumineux : le fichier fait 12,3 Mio, au-delà de la limite de 10,0 Mio : exportez moins de lignes ou de colonnes, ou relevez limits.max_file_bytes dans config.yaml`},
		{`workbook too large: the file unpacks to 1.5 GiB, over the 1.0 GiB limit: export fewer rows or columns, or raise limits.max_unzipped_bytes in config.yaml`,
			`classeur trop volumineux : le fichier décompressé fait 1,5 Gio, au-delà de la limite de 1,0 Gio : exportez moins de lignes ou de colonnes, ou relevez limits.max_unzipped_bytes dans config.yaml`},
		{`workbook too large: the file unpacks to more than 2000 bytes: export fewer rows or columns, or raise limits.max_unzipped_bytes in config.yaml`,
			`classeur trop volumineux : le fichier décompressé fait plus de 2000 octets : exportez moins de lignes ou de colonnes, ou relevez limits.max_unzipped_bytes dans config.yaml`},
		{`sheet "Encours": workbook too large: sheet "Encours" has more than 10 rows: split the export, or raise limits.max_rows in config.yaml`,
			`feuille « Encours » : classeur trop volumineux : la feuille « Encours » a plus de 10 lignes : scindez l'export, ou relevez limits.max_rows dans config.yaml`},
		{`workbook too large: the workbook holds more than 1000 texts, more than its 10-row limit allows: split the export, or raise limits.max_rows in config.yaml`,
			`classeur trop volumineux : le classeur contient plus de 1000 textes, davantage que sa limite de 10 lignes ne le permet : scindez l'export, ou relevez limits.max_rows dans config.yaml`},
		{`shared-string table too large: the workbook's text table unpacks to 300.0 KiB, over the 256.0 KiB it may take: export fewer rows or columns, or raise limits.max_unzipped_bytes in config.yaml`,
			`table des textes trop volumineuse : elle fait 300,0 Kio une fois décompressée, au-delà des 256,0 Kio permis : exportez moins de lignes ou de colonnes, ou relevez limits.max_unzipped_bytes dans config.yaml`},
		{`too many parts in the workbook: the file holds 50000 parts where a workbook has a few dozen (at most 10000 accepted): it is not an export; ask for a fresh export from the wholesaler's system`,
			`trop de parties dans le classeur : le fichier en contient 50000 là où un classeur en a quelques dizaines (au plus 10000 acceptées) : ce n'est pas un export ; demandez un nouvel export au système du grossiste`},
		{`zip bomb: the file is 42.0 KiB but its part xl/worksheets/sheet1.xml unpacks to more than 4.0 GiB (its header says), which no export does: the file was not made by Excel or an export tool; do not open it, and ask the wholesaler for a fresh export`,
			`bombe zip : le fichier fait 42,0 Kio mais sa partie xl/worksheets/sheet1.xml se décompresse en plus de 4,0 Gio (its header says), ce qu'aucun export ne fait : le fichier n'a pas été produit par Excel ni par un outil d'export ; ne l'ouvrez pas, et demandez au grossiste un nouvel export`},
		{`DOCTYPE or entity declaration in the workbook (part xl/sharedStrings.xml), which Excel never writes and which can make a reader expand text without end: the file was not made by Excel; ask the wholesaler for a fresh export`,
			`déclaration DOCTYPE ou d'entités dans le classeur (partie xl/sharedStrings.xml), qu'Excel n'écrit jamais et qui peut faire gonfler le texte sans fin : le fichier n'a pas été produit par Excel ; demandez au grossiste un nouvel export`},
		{`cell XFE2 in sheet "Encours": cell reference beyond XFD1048576, Excel's last cell, so it would be dropped without a word: the file was not made by Excel; export it again`,
			`référence de cellule au-delà de XFD1048576, la dernière cellule d'Excel : la cellule XFE2 de la feuille « Encours » serait ignorée sans avertissement : le fichier n'a pas été produit par Excel ; exportez-le à nouveau`},
		{`bad shared-string index: cell A2 in sheet "Encours" refers to text "-1", which is not a text number, so it would read as blank: the file is damaged; export it again from Excel`,
			`index de texte invalide : la cellule A2 de la feuille « Encours » renvoie au texte « -1 », qui n'est pas un numéro de texte, et se lirait vide : le fichier est endommagé ; exportez-le à nouveau depuis Excel`},
		{`bad shared-string index: cell A2 in sheet "Encours" refers to text number 99, but the workbook holds only 3 texts, so it would read as blank: the file is damaged; export it again from Excel`,
			`index de texte invalide : la cellule A2 de la feuille « Encours » renvoie au texte n° 99, mais le classeur n'en contient que 3, et se lirait vide : le fichier est endommagé ; exportez-le à nouveau depuis Excel`},

		// Files left for later (reconcile/batch, reconcile/inbox).
		{`the file is larger than the limit of 104857600 bytes (limits.max_file_bytes); split the export or raise the limit`,
			`le fichier dépasse la limite de 104 857 600 octets (limits.max_file_bytes) : scindez l'export ou relevez la limite`},
		{`the file changed while it was read (still being copied?); it will be read at the next run`,
			`le fichier a changé pendant sa lecture (copie encore en cours ?) : il sera lu au prochain passage`},
		{`its size or modification time changed within 2s: it is still being copied and is left for the next run`,
			`sa taille ou sa date de modification a changé en 2s : sa copie est encore en cours, il est laissé pour le prochain passage`},
		{`modified 12s ago, less than min_file_age 1m0s: it may still be being copied and is left for the next run`,
			`modifié il y a 12s, moins que min_file_age (1m0s) : sa copie est peut-être encore en cours, il est laissé pour le prochain passage`},
		{`it is no longer a regular file; it is left for the next run`,
			`ce n'est plus un fichier ordinaire : il est laissé pour le prochain passage`},
		// Response files.
		{`Votre réponse "peut-être" is not an answer: choose "corrigé", "contesté", "en cours" ("fixed", "disputed", "in_progress") in the list`,
			`« Votre réponse » : « peut-être » n'est pas une réponse : choisissez "corrigé", "contesté", "en cours" ("fixed", "disputed", "in_progress") dans la liste`},
		{`Votre réponse is empty but Votre commentaire is filled in: choose "corrigé" in the list, or the comment is not recorded`,
			`« Votre réponse » est vide mais « Votre commentaire » est rempli : choisissez "corrigé" dans la liste, sinon le commentaire n'est pas enregistré`},
		{`Réf. écart is empty: answer in the row of the finding and leave its reference as it is`,
			`« Réf. écart » est vide : répondez sur la ligne de l'écart sans modifier sa référence`},
		{`reference "ZZ" is not one of your findings: answer in the row of a finding without changing its reference`,
			`la référence « ZZ » n'est celle d'aucun de vos écarts : répondez sur la ligne d'un écart sans modifier sa référence`},
		{`this finding (under_applied, reseller C1004) was resolved on 2009-04-27: there is nothing to answer any more`,
			`cet écart (ligne appliquée inférieure à la ligne accordée, client C1004) a été résolu le 27/04/2009 : il n'y a plus rien à y répondre`},
		{`the response columns are missing: sheet "Écarts" has no column headed "Réf. écart" ("Finding ref") and "Votre réponse" ("Your response"); answer in the workbook encours sent, without renaming or removing its columns`,
			`les colonnes de réponse manquent : la feuille « Écarts » n'a pas de colonne « Réf. écart » ni « Votre réponse » : répondez dans le classeur envoyé par encours, sans renommer ni supprimer ses colonnes`},
		{`the workbook's encours marker is damaged (sheet "encours-responses" was edited): send back the workbook encours sent, with only its answer columns filled in`,
			`la marque encours du classeur est endommagée (la feuille « encours-responses » a été modifiée) : renvoyez le classeur envoyé par encours, en ne remplissant que ses colonnes de réponse`},
		{`this workbook is another wholesaler's: each wholesaler sends back only the workbook encours sent to it`,
			`ce classeur est celui d'un autre grossiste : chaque grossiste ne renvoie que le classeur qu'encours lui a envoyé`},
		{`this workbook's encours marker does not verify (forged, or its run, wholesaler or date edited): answers are taken only from a workbook encours sent; fill in the latest one and drop it again`,
			`la marque encours de ce classeur n'est pas authentique (contrefaite, ou son exécution, son grossiste ou sa date modifiés) : seules les réponses d'un classeur envoyé par encours sont prises en compte ; remplissez le dernier reçu et déposez-le à nouveau`},
		{`the workbook carries encours' marker but its Discrepancies sheet (Écarts) is missing: fill in the answers in the workbook encours sent, without deleting or renaming its sheets, and drop it again`,
			`le classeur porte la marque encours mais sa feuille Écarts manque : remplissez les réponses dans le classeur envoyé par encours, sans supprimer ni renommer ses feuilles, et déposez-le à nouveau`},

		// Sheets that hold no table (reconcile/sheet).
		{`sheet not found: the workbook has no sheet of cells, only "Graphique": export the table itself`,
			`feuille introuvable : le classeur n'a aucune feuille de cellules, seulement « Graphique » : exportez le tableau lui-même`},
		{`not a sheet of cells: sheet "Graphique" is a chart sheet, which holds no table to read: set the name of the sheet holding the data in the layout of config.yaml`,
			`pas une feuille de cellules : la feuille « Graphique » est une feuille graphique, qui ne contient aucun tableau à lire : indiquez le nom de la feuille des données dans la mise en page (layout) de config.yaml`},
		{`damaged or incomplete workbook, perhaps cut short while being copied (sheet "Perdue": its part xl/worksheets/sheet3.xml is missing from the file): export it again from Excel and copy it once more`,
			`classeur endommagé ou incomplet, peut-être tronqué pendant la copie (la partie xl/worksheets/sheet3.xml de la feuille « Perdue » manque dans le fichier) : exportez-le à nouveau depuis Excel et copiez-le une nouvelle fois`},

		// Warnings (reconcile/inbox, reconcile/batch).
		{`folder /srv/inbox/also does not belong to any configured wholesaler and was left alone: add the wholesaler to the config or move its files into the right wholesaler's folder`,
			`le dossier /srv/inbox/also n'appartient à aucun grossiste configuré et n'a pas été touché : ajoutez le grossiste à la configuration ou déplacez ses fichiers dans le dossier du bon grossiste`},
		{`/srv/inbox/export.xlsx lies at the root of the inbox and was left alone: move it into its wholesaler's folder`,
			`/srv/inbox/export.xlsx se trouve à la racine de la boîte de dépôt et n'a pas été touché : déplacez-le dans le dossier de son grossiste`},
		{`/srv/inbox/etc/a?b.xlsx was left alone: its name cannot be handled safely (invalid UTF-8)`,
			`/srv/inbox/etc/a?b.xlsx n'a pas été touché : son nom ne peut pas être traité sans risque (détail technique : invalid UTF-8)`},
		{`/srv/inbox/etc/lien.xlsx is a symbolic link and was not followed: put the file itself in the folder`,
			`/srv/inbox/etc/lien.xlsx est un lien symbolique et n'a pas été suivi : déposez le fichier lui-même dans le dossier`},
		{`folder /srv/inbox/etc/avril was not opened: sub-folders are not read, move its files up into /srv/inbox/etc`,
			`le dossier /srv/inbox/etc/avril n'a pas été ouvert : les sous-dossiers ne sont pas lus, remontez ses fichiers dans /srv/inbox/etc`},
		{`/srv/inbox/etc/fifo is not a regular file and was left alone`,
			`/srv/inbox/etc/fifo n'est pas un fichier ordinaire et n'a pas été touché`},
		{`actebis-2009-05-04.xlsx is 22 MiB, over the 15 MiB a mail may carry: it is not attached; it is in /var/lib/encours/runs/2009-05-04-1`,
			`actebis-2009-05-04.xlsx fait 22 Mio, au-delà des 15 Mio qu'un courriel peut porter : il n'est pas joint ; il se trouve dans /var/lib/encours/runs/2009-05-04-1`},
		{`etc/export.xlsx could not be moved out of the inbox: rename: permission denied`,
			`etc/export.xlsx n'a pas pu être sorti de la boîte de dépôt ; il sera vu comme un doublon au prochain passage (détail technique : rename: permission denied)`},
	}
	used := make([]bool, len(problemFR))
	for _, tt := range tests {
		if got := LocalProblem("fr", tt.in); got != tt.want {
			t.Errorf("LocalProblem(fr, %q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
		if got := LocalProblem("en", tt.in); got != tt.in {
			t.Errorf("LocalProblem(en, %q) = %q, want it unchanged", tt.in, got)
		}
		for _, p := range strings.Split(tt.in, "; ") {
			for _, s := range []string{tt.in, p, sheetPrefix.ReplaceAllString(tt.in, "")} {
				for i, r := range problemFR {
					if r.re.MatchString(s) {
						used[i] = true
						break
					}
				}
			}
		}
	}
	for i, u := range used {
		if !u {
			t.Errorf("rule %d (%s) has no case", i, problemFR[i].re)
		}
	}
}

// What the table does not know stays whole, in English: no half-French.
func TestLocalProblemUnknown(t *testing.T) {
	for _, in := range []string{
		"",
		"something new happened",
		`Code client is empty: every row needs the reseller's code; something new`,
		`cannot read the file: open x: permission denied`,
		`sheet "Encours": something new`,
		`required column headers not found: something new. Add or rename the columns in the export, or add the headers as aliases in the layout of config.yaml`,
	} {
		if got := LocalProblem("fr", in); got != in {
			t.Errorf("LocalProblem(fr, %q) = %q, want it unchanged", in, got)
		}
	}
	// Already French: unchanged, so translating twice is harmless.
	fr := LocalProblem("fr", `Encours "n.c." is not an amount: write it like 12 340,00`)
	if again := LocalProblem("fr", fr); again != fr {
		t.Errorf("translated twice: %q", again)
	}
	// The English keeps the cell text as sent, dates and amounts included.
	in := `Date "2009-05-04 12 340,00 €" is not a date: write it like 30/06/2009`
	if got := LocalProblem("en", in); got != in {
		t.Errorf("LocalProblem(en) = %q", got)
	}
}

// sliceRows is an in-memory layout.RowSource.
type sliceRows struct {
	data [][]string
	i    int
}

func (r *sliceRows) Next() bool           { r.i++; return r.i <= len(r.data) }
func (r *sliceRows) Row() (int, []string) { return r.i, r.data[r.i-1] }
func (r *sliceRows) Err() error           { return nil }

// The reasons the readers really write are all known to the table: a
// reworded message fails here rather than reaching a French reader in
// English.
func TestLocalProblemKnowsTheReaders(t *testing.T) {
	l := layout.Layout{
		Decimal: "comma", DateOrder: "dmy",
		Accounts: layout.Sheet{Name: "Encours", Columns: map[string][]string{
			"reseller_id": {"Code client"}, "reseller_name": {"Raison sociale"}, "status": {"Statut"},
			"insured_limit": {"Limite assurée"}, "outstanding": {"Encours"},
		}},
		Orders: &layout.Sheet{Name: "Commandes", Columns: map[string][]string{
			"order_id": {"N° commande"}, "reseller_id": {"Code client"}, "order_date": {"Date"},
			"product": {"Article"}, "category": {"Famille"}, "amount": {"Montant HT"},
			"financing_accepted_at": {"Accord financement"},
		}},
	}
	var texts []string
	acc, _ := l.ReadAccounts(&sliceRows{data: [][]string{
		{"Code client", "Raison sociale", "Statut", "Limite assurée", "Encours"},
		{"C1", "A", "actif", "1000", "10"},
		{"", "B", "actif", "1000", "10"},
		{"C2", "B", "", "1000", "10"},
		{"C3", "C", "Suspendu", "-2000", "n.c."},
		{"C4", "D", "actif", "", "99999999999999"},
		{"C1", "E", "actif", "1000", "10"},
	}}, "Encours", layout.ReadOptions{})
	for _, r := range acc.Rejected {
		texts = append(texts, r.Reason)
	}
	ord, _ := l.ReadOrders(&sliceRows{data: [][]string{
		{"N° commande", "Code client", "Date", "Article", "Famille", "Montant HT", "Accord financement"},
		{"", "C1", "", "x", "y", "", "hier"},
		{"O2", "C1", "31/02/2009", "x", "y", "12", ""},
	}}, "Commandes", layout.ReadOptions{})
	for _, r := range ord.Rejected {
		texts = append(texts, r.Reason)
	}
	if len(texts) < 7 {
		t.Fatalf("only %d rejected rows: %q", len(texts), texts)
	}
	for _, data := range [][][]string{
		{{"Code client", "Statut"}, {"C1", "actif"}},
		{{"Code client", "Raison sociale", "Statut", "Limite assurée", "Encours"}},
		nil,
	} {
		if _, err := l.ReadAccounts(&sliceRows{data: data}, "Encours", layout.ReadOptions{}); err != nil {
			texts = append(texts, err.Error())
		} else {
			t.Errorf("ReadAccounts(%q) succeeded", data)
		}
	}
	resp, _ := layout.ReadResponses(&sliceRows{data: [][]string{
		{"Réf. écart", "Votre réponse", "Votre commentaire"},
		{"A1", "peut-être", ""}, {"A2", "", "voir mail"}, {"", "corrigé", ""},
	}}, "Écarts", "r.xlsx")
	for _, r := range resp.Rejected {
		texts = append(texts, r.Reason)
	}
	if _, err := layout.ReadResponses(&sliceRows{data: [][]string{{"Réf. écart"}, {"A1"}}}, "Écarts", "r.xlsx"); err != nil {
		texts = append(texts, err.Error())
	}
	if _, _, err := layout.ReadMarker(&sliceRows{data: [][]string{{"marker", "x"}}}); err != nil {
		texts = append(texts, err.Error())
	}
	// reconcile/batch's words on response files; its tests check it
	// writes these.
	texts = append(texts,
		`reference "ZZ" is not one of your findings: answer in the row of a finding without changing its reference`,
		`this finding (under_applied, reseller C1004) was resolved on 2009-04-27: there is nothing to answer any more`,
		`this workbook is another wholesaler's: each wholesaler sends back only the workbook encours sent to it`,
		`this workbook's encours marker does not verify (forged, or its run, wholesaler or date edited): answers are taken only from a workbook encours sent; fill in the latest one and drop it again`,
		`the workbook carries encours' marker but its Discrepancies sheet (Écarts) is missing: fill in the answers in the workbook encours sent, without deleting or renaming its sheets, and drop it again`)
	ole := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 4096)...)
	for _, data := range [][]byte{
		nil,
		[]byte("Code client;Encours\n"),
		ole,
		append(append(append([]byte(nil), ole...), "E\x00n\x00c\x00r\x00y\x00p\x00t\x00i\x00o\x00n\x00I\x00n\x00f\x00o\x00"...), make([]byte, 100)...),
		[]byte("PK\x03\x04 cut short"),
	} {
		if _, err := sheet.Open(bytes.NewReader(data), int64(len(data)), sheet.Limits{}); err != nil {
			texts = append(texts, err.Error())
		} else {
			t.Errorf("Open(%q) succeeded", data)
		}
	}
	// Sheets that hold no table, or whose part is missing.
	book := sheettest.Book{Sheets: []sheettest.Sheet{
		{Name: "Graphique", Kind: "chartsheet", Part: "xl/chartsheets/sheet1.xml"},
		{Name: "Macro1", Kind: "xlMacrosheet", Part: "xl/macrosheets/sheet1.xml"},
		{Name: "Perdue", Missing: true}, {Name: "Sans lien", NoRel: true},
	}}.Bytes()
	wb, err := sheet.Open(bytes.NewReader(book), int64(len(book)), sheet.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"", "Graphique", "Macro1", "Perdue", "Sans lien"} {
		if _, err := wb.Rows(name); err != nil {
			texts = append(texts, err.Error())
		} else {
			t.Errorf("Rows(%q) succeeded", name)
		}
	}
	// The inbox's warnings.
	root := t.TempDir()
	for _, d := range []string{"etc/avril", "inconnu"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "export.xlsx"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "export.xlsx"), filepath.Join(root, "etc", "lien.xlsx")); err != nil {
		t.Fatal(err)
	}
	scan, err := (&inbox.Inbox{Root: root, DataDir: t.TempDir()}).Scan([]string{"etc"})
	if err != nil {
		t.Fatal(err)
	}
	if len(scan.Warnings) != 4 {
		t.Errorf("inbox warnings: %q, want 4", scan.Warnings)
	}
	texts = append(texts, scan.Warnings...)
	for _, s := range texts {
		if got := LocalProblem("fr", s); got == s {
			t.Errorf("not translated: %q", s)
		}
	}
}

// A French mail shows the French text for a rejected row and a
// quarantined file; an English one the English text.
func TestRenderProblemsInLanguage(t *testing.T) {
	rejected := []reconcile.RejectedRow{{Wholesaler: "w", File: "encours.xlsx", Sheet: "Encours", Row: 7,
		Column: "Encours", Reason: `Encours "n.c." is not an amount: write it like 12 340,00`}}
	files := []reconcile.FileResult{{Wholesaler: "w", Name: "old.xlsx", Status: reconcile.Quarantined,
		Error: `legacy Excel 97-2003 workbook (.xls), even if its name ends in .xlsx: open it in Excel and save it as "Excel Workbook (.xlsx)"`}}
	for _, tt := range []struct {
		lang   string
		want   []string
		absent []string
	}{
		{"fr", []string{"n'est pas un montant : écrivez-le comme 12 340,00", "ancien classeur Excel 97-2003 (.xls)"},
			[]string{"is not an amount", "legacy Excel"}},
		{"en", []string{`is not an amount: write it like 12 340,00`, `legacy Excel 97-2003 workbook (.xls), even if its name ends in .xlsx`},
			[]string{"n'est pas", "ancien classeur"}},
	} {
		msgs, err := Render(Summary{RunID: "r", AsOf: reconcile.MustDate("2009-05-04"), Language: tt.lang,
			Wholesaler: "w", WholesalerName: "W", Received: true, Rejected: rejected, Files: files},
			"from@vendor.example", []string{"to@w.example"}, now)
		if err != nil {
			t.Fatal(err)
		}
		p := parse(t, msgs[0].EML)
		for part, body := range map[string]string{"text": p.text, "html": html.UnescapeString(p.html)} {
			body = strings.Join(strings.Fields(body), " ") // the text part is wrapped
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("%s %s part lacks %q:\n%s", tt.lang, part, w, body)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(body, a) {
					t.Errorf("%s %s part has %q", tt.lang, part, a)
				}
			}
		}
	}
}
