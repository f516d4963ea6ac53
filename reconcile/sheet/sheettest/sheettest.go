// Package sheettest builds .xlsx packages by hand, part by part, for the
// tests of the sheet reader and of its users: workbooks as other tools than
// Excel write them — parts moved or renamed, names in other cases,
// absolute or relative targets, strict OOXML, chart and macro sheets,
// missing parts — and hostile ones, without any spreadsheet library.
package sheettest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strings"
)

// Entry is one zip entry.
type Entry struct {
	Name string
	Body string
}

// Zip builds a zip of name, body pairs, in their order.
func Zip(pairs ...string) []byte {
	if len(pairs)%2 != 0 {
		panic("sheettest.Zip: a name without a body")
	}
	var entries []Entry
	for i := 0; i < len(pairs); i += 2 {
		entries = append(entries, Entry{Name: pairs[i], Body: pairs[i+1]})
	}
	return zipEntries(entries)
}

func zipEntries(entries []Entry) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.Create(e.Name)
		if err != nil {
			panic(err)
		}
		io.WriteString(w, e.Body)
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// Namespaces and relationship types of transitional and strict OOXML.
const (
	mainNS         = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	relNS          = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	strictMainNS   = "http://purl.oclc.org/ooxml/spreadsheetml/main"
	strictRelNS    = "http://purl.oclc.org/ooxml/officeDocument/relationships"
	packageRelNS   = "http://schemas.openxmlformats.org/package/2006/relationships"
	contentTypesNS = "http://schemas.openxmlformats.org/package/2006/content-types"
	macroRelType   = "http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet"
)

// Sheet is one sheet of a Book.
type Sheet struct {
	Name string
	// Rows is the content of <sheetData>: "<row r=\"1\">…</row>…".
	Rows string
	// Part is the sheet's part name; default xl/worksheets/sheetN.xml.
	Part string
	// Target is the relationship's target as written; default Part
	// relative to the workbook's folder.
	Target string
	// Kind is the relationship type's last segment: "worksheet" (default),
	// "chartsheet", "dialogsheet", "xlMacrosheet".
	Kind string
	// Missing leaves the part out of the zip.
	Missing bool
	// NoRel lists the sheet in the workbook without a relationship.
	NoRel bool
}

// Book describes a workbook. The zero value of each field is what Excel
// writes.
type Book struct {
	Sheets []Sheet
	// SST is the shared strings' <si> items; "" writes no shared strings.
	SST string
	// Date1904 is the workbookPr's date1904 attribute ("" for none).
	Date1904 string
	// Workbook is the workbook's part name; default xl/workbook.xml.
	Workbook string
	// WorkbookTarget is the root relationship's target; default Workbook.
	WorkbookTarget string
	// SSTPart is the shared strings' part name; default xl/sharedStrings.xml.
	SSTPart string
	// NoRootRels leaves _rels/.rels out.
	NoRootRels bool
	// Strict writes strict OOXML namespaces and relationship types.
	Strict bool
	// Rename renames zip entries after they are built: part name → name in
	// the zip (another case, a backslash).
	Rename map[string]string
	// Extra entries, added at the end.
	Extra []Entry
}

// Bytes builds the workbook's zip.
func (b Book) Bytes() []byte { return zipEntries(b.Entries()) }

// Entries returns the workbook's zip entries.
func (b Book) Entries() []Entry {
	main, rel := mainNS, relNS
	if b.Strict {
		main, rel = strictMainNS, strictRelNS
	}
	book := or(b.Workbook, "xl/workbook.xml")
	dir := book[:strings.LastIndexByte(book, '/')+1]
	var ct, sheets, rels strings.Builder
	var parts []Entry
	ct.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="` + contentTypesNS + `">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/` + book + `" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>`)
	for i, s := range b.Sheets {
		n := i + 1
		part := or(s.Part, fmt.Sprintf("xl/worksheets/sheet%d.xml", n))
		kind := or(s.Kind, "worksheet")
		typ := rel + "/" + kind
		if kind == "xlMacrosheet" {
			typ = macroRelType
		}
		fmt.Fprintf(&sheets, `<sheet name="%s" sheetId="%d" r:id="rId%d"/>`, escape(s.Name), n, n+10)
		if !s.NoRel {
			fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="%s" Target="%s"/>`, n+10, typ, escape(or(s.Target, relative(dir, part))))
		}
		root := "worksheet"
		if kind == "chartsheet" {
			root = "chartsheet"
		}
		fmt.Fprintf(&ct, `<Override PartName="/%s" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.%s+xml"/>`, part, root)
		if s.Missing {
			continue
		}
		body := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\r\n" +
			`<` + root + ` xmlns="` + main + `" xmlns:r="` + rel + `"><dimension ref="A1"/><sheetData>` + s.Rows + `</sheetData><pageMargins left="0.7"/></` + root + `>`
		if root == "chartsheet" {
			body = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><chartsheet xmlns="` + main + `" xmlns:r="` + rel + `"><sheetViews><sheetView workbookViewId="0"/></sheetViews><drawing r:id="rId1"/></chartsheet>`
		}
		parts = append(parts, Entry{part, body})
	}
	if b.SST != "" {
		sst := or(b.SSTPart, "xl/sharedStrings.xml")
		fmt.Fprintf(&ct, `<Override PartName="/%s" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>`, sst)
		fmt.Fprintf(&rels, `<Relationship Id="rId99" Type="%s/sharedStrings" Target="%s"/>`, rel, relative(dir, sst))
		parts = append(parts, Entry{sst, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="` + main + `">` + b.SST + `</sst>`})
	}
	ct.WriteString(`</Types>`)
	pr := ""
	if b.Date1904 != "" {
		pr = `<workbookPr date1904="` + b.Date1904 + `"/>`
	}
	entries := []Entry{{"[Content_Types].xml", ct.String()}}
	if !b.NoRootRels {
		entries = append(entries, Entry{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="` + packageRelNS + `">` +
			`<Relationship Id="rId1" Type="` + rel + `/officeDocument" Target="` + or(b.WorkbookTarget, book) + `"/></Relationships>`})
	}
	entries = append(entries,
		Entry{book, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="` + main + `" xmlns:r="` + rel + `">` + pr + `<sheets>` + sheets.String() + `</sheets></workbook>`},
		Entry{dir + "_rels/" + book[len(dir):] + ".rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="` + packageRelNS + `">` + rels.String() + `</Relationships>`})
	entries = append(entries, parts...)
	entries = append(entries, b.Extra...)
	for i, e := range entries {
		if to, ok := b.Rename[e.Name]; ok {
			entries[i].Name = to
		}
	}
	return entries
}

// relative writes part relative to dir when it is inside it, absolute
// otherwise.
func relative(dir, part string) string {
	if rest, ok := strings.CutPrefix(part, dir); ok {
		return rest
	}
	return "/" + part
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// Inline is a row of inline-string and number cells, for Sheet.Rows: a
// string value is written as an inline string, anything else with %v as
// a number; "" leaves the cell out.
func Inline(row int, values ...any) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<row r="%d">`, row)
	for i, v := range values {
		ref := Cell(i+1, row)
		switch x := v.(type) {
		case string:
			if x == "" {
				continue
			}
			fmt.Fprintf(&b, `<c r="%s" t="inlineStr"><is><t xml:space="preserve">%s</t></is></c>`, ref, escape(x))
		default:
			fmt.Fprintf(&b, `<c r="%s"><v>%v</v></c>`, ref, x)
		}
	}
	b.WriteString(`</row>`)
	return b.String()
}

// Cell writes a cell reference: 28, 4 is "AB4".
func Cell(col, row int) string {
	var b []byte
	for ; col > 0; col = (col - 1) / 26 {
		b = append([]byte{byte('A' + (col-1)%26)}, b...)
	}
	return fmt.Sprintf("%s%d", b, row)
}

// Rezip copies the zip b, replacing (or adding) the given parts; a nil
// value removes the part.
func Rezip(b []byte, parts map[string][]byte) []byte {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		panic(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	done := map[string]bool{}
	for _, zf := range zr.File {
		body, replaced := parts[zf.Name]
		done[zf.Name] = true
		if replaced && body == nil {
			continue
		}
		w, err := zw.Create(zf.Name)
		if err != nil {
			panic(err)
		}
		if replaced {
			w.Write(body)
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			panic(err)
		}
		io.Copy(w, rc)
		rc.Close()
	}
	for name, body := range parts {
		if !done[name] && body != nil {
			w, _ := zw.Create(name)
			w.Write(body)
		}
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// Part returns the body of a zip entry of b, nil when absent.
func Part(b []byte, name string) []byte {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		panic(err)
	}
	for _, zf := range zr.File {
		if zf.Name == name {
			rc, err := zf.Open()
			if err != nil {
				panic(err)
			}
			defer rc.Close()
			body, _ := io.ReadAll(rc)
			return body
		}
	}
	return nil
}
