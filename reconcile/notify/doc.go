// Package notify turns a run's results into email and delivers it: it
// renders the templates of the templates package into one message per
// recipient, keeps every message in an outbox before the first attempt, and
// sends through a Transport (a folder of .eml files or an SMTP server),
// retrying temporary failures with backoff within a run and again at the
// next run. It is the only importer of go-mail.
//
// Delivery is at least once at the SMTP level (a connection lost after the
// final "." may duplicate a message); the outbox and a Message-ID stable for
// (run, audience, recipient) make it effectively once.
package notify
