// Package templates holds the email templates of encours, embedded in the
// binary so that a deployment is one file.
//
// For each audience (wholesaler, managers) and language (fr, en) there is a
// plain-text template, which also defines the "subject" template, and an HTML
// template. reconcile/notify renders them with pre-formatted data: amounts
// and dates arrive as text in the right language, so the templates only
// choose words.
package templates

import "embed"

// FS holds every *.tmpl file of this folder.
//
//go:embed *.tmpl
var FS embed.FS
