// Package reconcile holds the domain of encours: reseller accounts and
// orders as read from wholesalers' exports, the vendor's aid programs, the
// credit lines they grant, the budgets and waitlists that bound them, and
// the findings of a run. Evaluate applies the programs to one run's
// exports; it does no I/O and reads no clock.
//
// The subpackages are the outside worlds, in the order an export travels:
// inbox (the shared folder), sheet (the rows of a workbook's sheets, with
// the hostile-file checks), layout (a wholesaler's columns: header, fields,
// numbers and dates), ledger (the SQLite state), xlsx (the annotated
// workbooks written back), notify (mail), and batch, which wires one run
// together; config reads config.yaml and rules.yaml, schedule and monitor
// serve the daemon.
package reconcile
