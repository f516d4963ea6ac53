package reconcile

// Evaluate applies the programs to one run's feeds, in the order of spec
// §3.5, and returns the lines as they stand, the discrepancies, and the
// orders to mark seen. It never mutates in.
func Evaluate(in Input) Outcome {
	panic("not built yet")
}
