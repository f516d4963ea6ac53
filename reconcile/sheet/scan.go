package sheet

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
)

// errSyntax is broken XML in a part: Open and Rows report it as ErrTruncated.
var errSyntax = errors.New("malformed XML")

// maxTagBytes bounds one tag (name and attributes): a cell's is a few dozen
// bytes, a workbook's <sheet> a few hundred.
const maxTagBytes = 1 << 20

// Kinds of markup the scanner returns.
const (
	tokEOF   = iota
	tokStart // <name ...> or <name .../> (selfClose)
	tokEnd   // </name>
)

// scanner reads the markup of one XML part: tags with their local names and
// raw attributes, and on request the text of the current element, decoded
// as encoding/xml does (entities, CDATA, \r\n → \n). It is not a validating
// parser: it reads what Excel and the export tools write, and refuses what
// could hide text from it (DOCTYPE, entity declarations).
type scanner struct {
	r    io.Reader
	buf  []byte
	pos  int
	end  int
	eof  bool
	rerr error
	part string

	// The last tag read; name and attrs point into buf until the next call.
	name      []byte
	attrs     []byte
	selfClose bool
}

func newScanner(r io.Reader, part string) *scanner {
	return &scanner{r: r, buf: make([]byte, 64<<10), part: part}
}

// fill reads more input, keeping buf[pos:end]; false when none is left.
func (s *scanner) fill() bool {
	if s.eof {
		return false
	}
	if s.pos > 0 {
		s.end = copy(s.buf, s.buf[s.pos:s.end])
		s.pos = 0
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= maxTagBytes {
			s.rerr = fmt.Errorf("%w: a tag longer than %d bytes", errSyntax, maxTagBytes)
			s.eof = true
			return false
		}
		nb := make([]byte, 2*len(s.buf))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	for {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err != nil {
			s.eof = true
			if err != io.EOF {
				s.rerr = err
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
}

// fail is the error for input that ended or broke where it must not.
func (s *scanner) fail(what string) error {
	if s.rerr != nil {
		return s.rerr
	}
	return fmt.Errorf("%w: %s", errSyntax, what)
}

// need makes n bytes available from pos; false at the end of input.
func (s *scanner) need(n int) bool {
	for s.end-s.pos < n {
		if !s.fill() {
			return false
		}
	}
	return true
}

// next moves past text to the next tag and reads it. Comments, processing
// instructions and CDATA outside of text are skipped.
func (s *scanner) next() (int, error) {
	for {
		i := bytes.IndexByte(s.buf[s.pos:s.end], '<')
		if i < 0 {
			s.pos = s.end
			if !s.fill() {
				if s.rerr != nil {
					return tokEOF, s.rerr
				}
				return tokEOF, nil
			}
			continue
		}
		s.pos += i
		kind, err := s.markup()
		if err != nil || kind != tokEOF {
			return kind, err
		}
	}
}

// markup reads the markup at pos (a '<'): a tag is returned, anything else
// is skipped and tokEOF returned to ask for more.
func (s *scanner) markup() (int, error) {
	if !s.need(2) {
		return tokEOF, s.fail("the part ends inside a tag")
	}
	switch s.buf[s.pos+1] {
	case '?':
		if s.name == nil { // before the first tag: the XML declaration
			return tokEOF, s.declaration()
		}
		return tokEOF, s.skipPast("?>")
	case '!':
		return tokEOF, s.bang(nil)
	case '/':
		if err := s.tag(2); err != nil {
			return tokEOF, err
		}
		return tokEnd, nil
	}
	if err := s.tag(1); err != nil {
		return tokEOF, err
	}
	return tokStart, nil
}

// declaration reads a processing instruction before the first tag. When it
// is the XML declaration and names an encoding other
// than UTF-8 (ERP exports write ISO-8859-1 or windows-1252), the rest of
// the part is decoded from that encoding, with the labels browsers know,
// as excelize's decoder does (encoding/xml with html/charset's reader).
func (s *scanner) declaration() error {
	var i int
	for i = bytes.Index(s.buf[s.pos:s.end], []byte("?>")); i < 0; i = bytes.Index(s.buf[s.pos:s.end], []byte("?>")) {
		if !s.fill() {
			return s.fail("the part ends inside markup")
		}
	}
	pi := s.buf[s.pos+2 : s.pos+i]
	s.pos += i + 2
	if !bytes.HasPrefix(pi, []byte("xml")) || len(pi) > 3 && !isSpace(pi[3]) {
		return nil
	}
	enc := declared(pi, "encoding")
	if enc == "" || strings.EqualFold(enc, "utf-8") {
		return nil
	}
	e, err := htmlindex.Get(enc)
	if err != nil {
		return fmt.Errorf("%w: part %s is written in the character set %q, which encours does not know: open the file in Excel and save it again as \"Excel Workbook (.xlsx)\"",
			ErrNotWorkbook, s.part, enc)
	}
	if e == unicode.UTF8 {
		return nil
	}
	rest := bytes.Clone(s.buf[s.pos:s.end])
	s.r = e.NewDecoder().Reader(io.MultiReader(bytes.NewReader(rest), s.r))
	s.pos, s.end, s.eof = 0, 0, false
	return nil
}

// declared returns the value of a pseudo-attribute of an XML declaration
// (encoding="…"), or "".
func declared(pi []byte, name string) string {
	i := bytes.Index(pi, []byte(name))
	if i < 0 {
		return ""
	}
	v := bytes.TrimLeft(pi[i+len(name):], " \t\r\n")
	if len(v) == 0 || v[0] != '=' {
		return ""
	}
	v = bytes.TrimLeft(v[1:], " \t\r\n")
	if len(v) == 0 || v[0] != '"' && v[0] != '\'' {
		return ""
	}
	end := bytes.IndexByte(v[1:], v[0])
	if end < 0 {
		return ""
	}
	return string(v[1 : 1+end])
}

// bang handles "<!": comments are skipped, CDATA appended to text when text
// is not nil, DOCTYPE and ENTITY refused.
func (s *scanner) bang(text *[]byte) error {
	s.need(9)
	rest := s.buf[s.pos:s.end]
	switch {
	case bytes.HasPrefix(rest, []byte("<!--")):
		s.pos += 4
		return s.skipPast("-->")
	case bytes.HasPrefix(rest, []byte("<![CDATA[")):
		s.pos += 9
		for {
			i := bytes.Index(s.buf[s.pos:s.end], []byte("]]>"))
			if i >= 0 {
				if text != nil {
					*text = appendNormalized(*text, s.buf[s.pos:s.pos+i])
				}
				s.pos += i + 3
				return nil
			}
			// Keep two bytes in case the end marker is split.
			keep := max(s.end-2, s.pos)
			if text != nil {
				*text = appendNormalized(*text, s.buf[s.pos:keep])
			}
			s.pos = keep
			if !s.fill() {
				return s.fail("the part ends inside CDATA")
			}
		}
	}
	up := bytes.ToUpper(rest[:min(len(rest), 9)])
	if bytes.HasPrefix(up, []byte("<!DOCTYPE")) || bytes.HasPrefix(up, []byte("<!ENTITY")) {
		return fmt.Errorf("%w (part %s), which Excel never writes and which can make a reader expand text without end: the file was not made by Excel; ask the wholesaler for a fresh export",
			ErrDoctype, s.part)
	}
	return s.skipPast(">")
}

// appendNormalized appends b with "\r\n" and "\r" turned into "\n", as XML
// requires of a parser.
func appendNormalized(dst, b []byte) []byte {
	for {
		i := bytes.IndexByte(b, '\r')
		if i < 0 {
			return append(dst, b...)
		}
		dst = append(dst, b[:i]...)
		dst = append(dst, '\n')
		b = b[i+1:]
		if len(b) > 0 && b[0] == '\n' {
			b = b[1:]
		}
	}
}

func (s *scanner) skipPast(marker string) error {
	m := []byte(marker)
	for {
		i := bytes.Index(s.buf[s.pos:s.end], m)
		if i >= 0 {
			s.pos += i + len(m)
			return nil
		}
		s.pos = max(s.end-len(m)+1, s.pos)
		if !s.fill() {
			return s.fail("the part ends inside markup")
		}
	}
}

// tag reads a start or end tag whose name begins at pos+skip, up to its '>'.
func (s *scanner) tag(skip int) error {
	// Find the closing '>' outside quotes, reading more as needed. The
	// common case, balanced double quotes and no single ones before the
	// first '>', is found with vectorised searches.
	i := s.pos + skip
	for {
		j := bytes.IndexByte(s.buf[i:s.end], '>')
		if j >= 0 {
			seg := s.buf[s.pos+skip : i+j]
			if bytes.Count(seg, []byte{'"'})%2 == 0 && bytes.IndexByte(seg, '\'') < 0 {
				i += j
				goto found
			}
			break
		}
		off := s.end - s.pos
		if !s.fill() {
			return s.fail("the part ends inside a tag")
		}
		i = s.pos + off
	}
	i = s.pos + skip
	for quote := byte(0); ; {
		for ; i < s.end; i++ {
			c := s.buf[i]
			switch {
			case quote != 0:
				if c == quote {
					quote = 0
				}
			case c == '>':
				goto found
			case c == '"' || c == '\'':
				quote = c
			}
		}
		off := i - s.pos
		if !s.fill() {
			return s.fail("the part ends inside a tag")
		}
		i = s.pos + off
	}
found:
	t := s.buf[s.pos+skip : i]
	s.pos = i + 1
	s.selfClose = len(t) > 0 && t[len(t)-1] == '/'
	if s.selfClose {
		t = t[:len(t)-1]
	}
	n := 0
	for n < len(t) && !isSpace(t[n]) {
		n++
	}
	if n == 0 {
		return fmt.Errorf("%w: a tag without a name", errSyntax)
	}
	s.name = t[:n]
	if j := bytes.LastIndexByte(s.name, ':'); j >= 0 {
		s.name = s.name[j+1:]
	}
	s.attrs = t[n:]
	return nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// is reports whether the last tag's local name is name.
func (s *scanner) is(name string) bool { return string(s.name) == name }

// attr returns the value of the last tag's attribute whose local name is
// name, and whether it is there. Values with entities are decoded.
func (s *scanner) attr(name string) (string, bool) {
	val, ok := s.rawAttr(name)
	if !ok {
		return "", false
	}
	if bytes.IndexByte(val, '&') < 0 {
		return string(val), true
	}
	out, err := appendText(nil, val)
	if err != nil {
		return "", true
	}
	return string(out), true
}

// rawAttr returns an attribute's value as written, pointing into the
// scanner's buffer.
func (s *scanner) rawAttr(name string) ([]byte, bool) {
	a := s.attrs
	for {
		i := 0
		for i < len(a) && isSpace(a[i]) {
			i++
		}
		a = a[i:]
		eq := bytes.IndexByte(a, '=')
		if eq < 0 {
			return nil, false
		}
		key := a[:eq]
		for len(key) > 0 && isSpace(key[len(key)-1]) {
			key = key[:len(key)-1]
		}
		if j := bytes.LastIndexByte(key, ':'); j >= 0 {
			key = key[j+1:]
		}
		a = a[eq+1:]
		for len(a) > 0 && isSpace(a[0]) {
			a = a[1:]
		}
		if len(a) == 0 || a[0] != '"' && a[0] != '\'' {
			return nil, false
		}
		end := bytes.IndexByte(a[1:], a[0])
		if end < 0 {
			return nil, false
		}
		val := a[1 : 1+end]
		a = a[end+2:]
		if string(key) == name {
			return val, true
		}
	}
}

// appendText appends b, a run of XML text without markup, decoded.
func appendText(dst, b []byte) ([]byte, error) {
	for {
		i := bytes.IndexByte(b, '&')
		if i < 0 {
			return appendNormalized(dst, b), nil
		}
		dst = appendNormalized(dst, b[:i])
		semi := bytes.IndexByte(b[i:], ';')
		if semi < 0 {
			return dst, fmt.Errorf("%w: an unterminated entity", errSyntax)
		}
		var err error
		if dst, err = appendEntity(dst, b[i+1:i+semi]); err != nil {
			return dst, err
		}
		b = b[i+semi+1:]
	}
}

// appendEntity appends the character of the entity named ent (between '&'
// and ';'): the five predefined ones and character references.
func appendEntity(dst, ent []byte) ([]byte, error) {
	switch string(ent) {
	case "lt":
		return append(dst, '<'), nil
	case "gt":
		return append(dst, '>'), nil
	case "amp":
		return append(dst, '&'), nil
	case "apos":
		return append(dst, '\''), nil
	case "quot":
		return append(dst, '"'), nil
	}
	if len(ent) >= 2 && ent[0] == '#' {
		var n uint64
		var err error
		if ent[1] == 'x' {
			n, err = strconv.ParseUint(string(ent[2:]), 16, 32)
		} else {
			n, err = strconv.ParseUint(string(ent[1:]), 10, 32)
		}
		if err == nil && isXMLChar(rune(n)) {
			return utf8.AppendRune(dst, rune(n)), nil
		}
	}
	return dst, fmt.Errorf("%w: unknown entity &%s;", errSyntax, ent)
}

// isXMLChar is XML's Char production, as encoding/xml checks it.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// text appends the decoded text of the element whose start tag was just
// read, and consumes it up to its end tag. The text of nested elements is
// left out, as encoding/xml's ",chardata" leaves it out.
func (s *scanner) text(dst []byte) ([]byte, error) {
	if s.selfClose {
		return dst, nil
	}
	for {
		if s.pos >= s.end && !s.fill() {
			return dst, s.fail("the part ends inside an element")
		}
		chunk := s.buf[s.pos:s.end]
		i := 0
		for i < len(chunk) && chunk[i] != '<' && chunk[i] != '&' && chunk[i] != '\r' {
			i++
		}
		dst = append(dst, chunk[:i]...)
		s.pos += i
		if i == len(chunk) {
			continue
		}
		switch chunk[i] {
		case '\r':
			dst = append(dst, '\n')
			s.pos++
			if s.need(1) && s.buf[s.pos] == '\n' {
				s.pos++
			}
		case '&':
			s.need(16)
			semi := bytes.IndexByte(s.buf[s.pos:min(s.end, s.pos+16)], ';')
			if semi < 0 {
				return dst, fmt.Errorf("%w: an unterminated entity", errSyntax)
			}
			var err error
			if dst, err = appendEntity(dst, s.buf[s.pos+1:s.pos+semi]); err != nil {
				return dst, err
			}
			s.pos += semi + 1
		case '<':
			if !s.need(2) {
				return dst, s.fail("the part ends inside a tag")
			}
			switch s.buf[s.pos+1] {
			case '!':
				if err := s.bang(&dst); err != nil {
					return dst, err
				}
			case '?':
				if err := s.skipPast("?>"); err != nil {
					return dst, err
				}
			case '/':
				return dst, s.tag(2)
			default:
				if err := s.tag(1); err != nil {
					return dst, err
				}
				if err := s.skip(); err != nil {
					return dst, err
				}
			}
		}
	}
}

// skip consumes the element whose start tag was just read.
func (s *scanner) skip() error {
	if s.selfClose {
		return nil
	}
	for depth := 1; depth > 0; {
		kind, err := s.next()
		switch {
		case err != nil:
			return err
		case kind == tokEOF:
			return s.fail("the part ends inside an element")
		case kind == tokEnd:
			depth--
		case !s.selfClose:
			depth++
		}
	}
	return nil
}
