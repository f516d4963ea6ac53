package sheet

import (
	"archive/zip"
	"net/url"
	"path"
	"strings"
)

// opcPackage is the zip seen as an Open Packaging Conventions package, the
// container of every .xlsx: parts are named like paths and found without
// regard to case, as Excel finds them ("xl/Workbook.xml" is
// "xl/workbook.xml"). Where two entries have the same name, the later one
// counts, as in excelize and zip tools.
type opcPackage struct {
	exact map[string]*zip.File // by name, '/' separated
	fold  map[string]*zip.File // by lower-cased name
}

func newPackage(zr *zip.Reader) *opcPackage {
	p := &opcPackage{exact: make(map[string]*zip.File, len(zr.File)), fold: make(map[string]*zip.File, len(zr.File))}
	for _, zf := range zr.File {
		name := partName(zf.Name)
		p.exact[name] = zf
		p.fold[strings.ToLower(name)] = zf
	}
	return p
}

// partName writes a zip entry's name as a part name: '/' separated, without
// a leading '/'.
func partName(name string) string {
	return strings.TrimPrefix(strings.ReplaceAll(name, "\\", "/"), "/")
}

// part returns the part of that name, or nil.
func (p *opcPackage) part(name string) *zip.File {
	name = partName(name)
	if zf, ok := p.exact[name]; ok {
		return zf
	}
	return p.fold[strings.ToLower(name)]
}

// rel is one relationship of a part: its id, type, and target as a part
// name (resolved against the source part).
type rel struct {
	id, typ, target string
	external        bool
}

// kind is the last segment of the relationship's type URI, which is the
// same in transitional and strict OOXML ("…/relationships/worksheet" and
// "http://purl.oclc.org/ooxml/officeDocument/relationships/worksheet").
func (r rel) kind() string { return r.typ[strings.LastIndexByte(r.typ, '/')+1:] }

// relsPart is the name of the part holding the relationships of source:
// "xl/workbook.xml" → "xl/_rels/workbook.xml.rels"; "" (the package) →
// "_rels/.rels".
func relsPart(source string) string {
	dir, base := path.Split(source)
	return dir + "_rels/" + base + ".rels"
}

// resolveTarget turns a relationship's target into a part name: absolute
// ("/xl/worksheets/sheet1.xml") from the package root, otherwise relative
// to the source part's folder ("worksheets/sheet1.xml",
// "../xl/worksheets/sheet1.xml"), '\' read as '/' and %-escapes decoded.
// A target cannot climb above the root.
func resolveTarget(source, target string) string {
	t := strings.ReplaceAll(target, "\\", "/")
	if strings.Contains(t, "%") {
		if u, err := url.PathUnescape(t); err == nil {
			t = u
		}
	}
	if i := strings.IndexAny(t, "#?"); i >= 0 {
		t = t[:i]
	}
	if !strings.HasPrefix(t, "/") {
		t = "/" + path.Dir(source) + "/" + t
	}
	return strings.TrimPrefix(path.Clean(t), "/")
}

// readRels reads the relationships of source (nil when it has none),
// marking their part as read.
func (w *Workbook) readRels(pkg *opcPackage, source string, read map[*zip.File]bool) ([]rel, error) {
	zf := pkg.part(relsPart(source))
	if zf == nil {
		return nil, nil
	}
	read[zf] = true
	var out []rel
	err := w.parse(zf, -1, func(sc *scanner) error {
		for {
			kind, err := sc.next()
			if err != nil || kind == tokEOF {
				return err
			}
			if kind != tokStart || !sc.is("Relationship") {
				continue
			}
			var r rel
			r.id, _ = sc.attr("Id")
			r.typ, _ = sc.attr("Type")
			target, _ := sc.attr("Target")
			mode, _ := sc.attr("TargetMode")
			r.external = strings.EqualFold(strings.TrimSpace(mode), "External")
			r.target = resolveTarget(source, strings.TrimSpace(target))
			out = append(out, r)
		}
	})
	return out, err
}

// Kinds of sheets a workbook lists. Only worksheets hold a table of cells
// to read; the others are named in messages.
const (
	kindWorksheet = "worksheet"
	kindChart     = "chart sheet"
	kindDialog    = "dialog sheet (Excel 5)"
	kindMacro     = "macro sheet (Excel 4)"
	kindMissing   = "missing"
)

// sheetKind maps a relationship kind to a sheet kind. An unknown type with
// a part is read as a worksheet, as excelize reads it.
func sheetKind(relKind string) string {
	switch relKind {
	case "chartsheet":
		return kindChart
	case "dialogsheet":
		return kindDialog
	case "xlMacrosheet", "xlIntlMacrosheet":
		return kindMacro
	}
	return kindWorksheet
}

// sheetEntry is a sheet as the workbook lists it.
type sheetEntry struct {
	name   string
	kind   string
	target string    // the part it names, for messages ("" when no relationship)
	part   *zip.File // nil when missing
}
