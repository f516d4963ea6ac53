package layout

// SameHeader reports whether two header texts name the same column under
// the layout's matching rules (case, accents and spaces ignored).
func SameHeader(a, b string) bool { return normalize(a) == normalize(b) }
