// Package reconcile holds the domain of encours: reseller accounts and
// orders as read from wholesalers' exports, the vendor's aid programs, the
// credit lines they grant, the budgets and waitlists that bound them, and
// the findings of a run. Evaluate applies the programs to one run's
// exports; it does no I/O and reads no clock.
//
// The subpackages are the outside worlds, in the order an export travels:
// inbox (the shared folder), layout (a wholesaler's columns), xlsx (reading
// and writing workbooks), ledger (the SQLite state), notify (mail), and
// batch, which wires one run together.
package reconcile
