package config

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// reader walks a YAML tree by hand rather than decoding into structs, so that
// every problem is reported with its key path and line, all problems are
// collected, and amounts keep their exact decimal text.
type reader struct {
	file string
	errs Errors
}

func (r *reader) errorf(n *yaml.Node, path, format string, args ...any) {
	e := &Error{File: r.file, Path: path, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line = n.Line
	}
	r.errs = append(r.errs, e)
}

// document reads one YAML document; an empty input gives a nil node.
func (r *reader) document(in io.Reader) *yaml.Node {
	dec := yaml.NewDecoder(in)
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		r.errs = append(r.errs, &Error{File: r.file, Msg: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: "), Err: err})
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		r.errorf(&extra, "", "holds more than one YAML document (a line with ---); keep a single one")
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		return doc.Content[0]
	}
	return nil
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// isNull reports whether n is absent or an explicit empty value (`key:`).
func isNull(n *yaml.Node) bool {
	n = deref(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

type entry struct {
	key, val *yaml.Node
}

// fields holds a mapping's entries by key, in file order.
type fields struct {
	keys []string
	m    map[string]entry
}

func (f fields) get(key string) *yaml.Node {
	e, ok := f.m[key]
	if !ok || isNull(e.val) {
		return nil
	}
	return deref(e.val)
}

func (f fields) has(key string) bool { return f.get(key) != nil }

// mapping returns n's entries; a null n is an empty mapping.
func (r *reader) mapping(n *yaml.Node, path string) fields {
	f := fields{m: map[string]entry{}}
	n = deref(n)
	if isNull(n) {
		return f
	}
	if n.Kind != yaml.MappingNode {
		r.errorf(n, path, "must be a mapping of keys to values (key: value), not %s", describe(n))
		return f
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			r.errorf(k, path, "keys must be plain words")
			continue
		}
		if _, dup := f.m[k.Value]; dup {
			r.errorf(k, join(path, k.Value), "given twice; keep one")
			continue
		}
		f.keys = append(f.keys, k.Value)
		f.m[k.Value] = entry{k, v}
	}
	return f
}

// unknown reports every key of f not in allowed.
func (r *reader) unknown(f fields, path string, allowed []string) {
	for _, k := range f.keys {
		if !contains(allowed, k) {
			r.errorf(f.m[k].key, join(path, k), "unknown key (allowed: %s)", strings.Join(allowed, ", "))
		}
	}
}

func (r *reader) str(n *yaml.Node, path string) (string, bool) {
	n = deref(n)
	if isNull(n) {
		return "", false
	}
	if n.Kind != yaml.ScalarNode {
		r.errorf(n, path, "must be a single value, not %s", describe(n))
		return "", false
	}
	return n.Value, true
}

// item is one value of a list, with its node and position for messages.
type item struct {
	s string
	n *yaml.Node
	i int
}

// strings reads a list of strings; a single string stands for a one-item
// list. Items that are not single values are reported and left out.
func (r *reader) strings(n *yaml.Node, path string) ([]item, bool) {
	n = deref(n)
	if isNull(n) {
		return nil, false
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return []item{{n.Value, n, 0}}, true
	case yaml.SequenceNode:
		out := make([]item, 0, len(n.Content))
		ok := true
		for i, c := range n.Content {
			c = deref(c)
			p := fmt.Sprintf("%s[%d]", path, i)
			if isNull(c) {
				r.errorf(c, p, "is empty; remove it or write a value")
				ok = false
				continue
			}
			if c.Kind != yaml.ScalarNode {
				r.errorf(c, p, "must be a single value, not %s", describe(c))
				ok = false
				continue
			}
			out = append(out, item{c.Value, c, i})
		}
		return out, ok
	}
	r.errorf(n, path, "must be a list of values like [a, b], not %s", describe(n))
	return nil, false
}

func (r *reader) integer(n *yaml.Node, path string) (int, bool) {
	s, ok := r.str(n, path)
	if !ok {
		return 0, false
	}
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		r.errorf(n, path, "%q is not a whole number", s)
		return 0, false
	}
	return v, true
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "this"
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
