package reconcile

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Answer is a wholesaler's response to a finding, chosen in its workbook
// (spec §10.2).
type Answer string

// The answers a wholesaler may give.
const (
	AnswerFixed      Answer = "fixed"
	AnswerDisputed   Answer = "disputed"
	AnswerInProgress Answer = "in_progress"
)

// Answers lists every answer in the order the drop-down list offers them.
var Answers = []Answer{AnswerFixed, AnswerDisputed, AnswerInProgress}

var answerWords = map[Answer][2]string{ // French, English
	AnswerFixed:      {"corrigé", "fixed"},
	AnswerDisputed:   {"contesté", "disputed"},
	AnswerInProgress: {"en cours", "in_progress"},
}

// Word is the answer as a reader of lang reads it and picks it from the
// workbook's list: "corrigé", "contesté", "en cours" in French, the
// run.json words in English.
func (a Answer) Word(lang string) string {
	w, ok := answerWords[a]
	if !ok {
		return string(a)
	}
	if lang == "en" {
		return w[1]
	}
	return w[0]
}

// Label is the answer as a reader of lang reads it in a sentence: Word,
// but "in progress" in English, where the list keeps run.json's
// "in_progress".
func (a Answer) Label(lang string) string {
	if a == AnswerInProgress && lang == "en" {
		return "in progress"
	}
	return a.Word(lang)
}

// AnswerWords returns every word that stands for an answer, in both
// languages, for readers that fold case and accents themselves.
func AnswerWords() map[string]Answer {
	m := map[string]Answer{}
	for _, a := range Answers {
		w := answerWords[a]
		m[w[0]], m[w[1]] = a, a
		m[string(a)] = a
	}
	m["in progress"] = AnswerInProgress
	return m
}

// MaxCommentRunes caps a wholesaler's comment: it is untrusted text that
// goes into the ledger, run.json, workbooks and mails.
const MaxCommentRunes = 500

// CleanComment makes a wholesaler's comment safe to keep: invalid UTF-8
// replaced, line breaks and tabs turned into spaces, other control and
// format characters removed, spaces collapsed, at most MaxCommentRunes
// runes ("…" marks a cut).
func CleanComment(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t' || r == '\u2028' || r == '\u2029':
			return ' '
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			return -1
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= MaxCommentRunes {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:MaxCommentRunes-1])) + "…"
}

// FindingResponse is one answer received in a run (run.json responses),
// recorded against the finding of its key.
type FindingResponse struct {
	Wholesaler string          `json:"wholesaler"`
	Kind       DiscrepancyKind `json:"kind"`
	ResellerID string          `json:"reseller_id"`
	Program    string          `json:"program"`
	OrderID    string          `json:"order_id"`
	Response   Answer          `json:"response"`
	Comment    string          `json:"comment"`
	File       string          `json:"file"`
	// FirstRun names the episode answered; Row is the answer's Excel row
	// in the response file. The ledger keeps both; run.json neither.
	FirstRun string `json:"-"`
	Row      int    `json:"-"`
}

// Key returns the finding key the response answers.
func (r FindingResponse) Key() FindingKey {
	return FindingKey{r.Wholesaler, r.Kind, r.ResellerID, r.Program, r.OrderID}
}

// Marker names the run and the wholesaler a workbook was written for, so
// that the workbook, filled in and dropped back into the inbox, is read as
// that wholesaler's answers (spec §10.2). Its signature is an HMAC-SHA256
// with a secret only encours knows: a marker cannot be forged nor moved
// to another wholesaler or run.
type Marker struct {
	Wholesaler string
	RunID      string
	AsOf       Date
}

// markerVersion starts the signed text, so that a later marker format can
// never verify as this one.
const markerVersion = "encours-responses-v1"

// Sign returns the marker's signature under key, in hexadecimal.
func (m Marker) Sign(key []byte) string {
	mac := hmac.New(sha256.New, key)
	for _, s := range []string{markerVersion, m.Wholesaler, m.RunID, m.AsOf.String()} {
		mac.Write([]byte(s))
		mac.Write([]byte{0})
	}
	return hex.EncodeToString(mac.Sum(nil))
}

// Verify reports whether sig is the marker's signature under key, in
// constant time.
func (m Marker) Verify(key []byte, sig string) bool {
	want, err := hex.DecodeString(m.Sign(key))
	if err != nil {
		return false
	}
	got, err := hex.DecodeString(strings.TrimSpace(sig))
	if err != nil {
		return false
	}
	return hmac.Equal(got, want)
}
