package batch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/encours/encours/reconcile/sheet"
	"github.com/encours/encours/reconcile/sheet/sheettest"
)

// TestCancellableStopsMidSheet: a cancelled run stops reading a sheet within
// a thousand rows or so, and says why, instead of reading it to the end.
func TestCancellableStopsMidSheet(t *testing.T) {
	var rs strings.Builder
	for i := 1; i <= 5000; i++ {
		rs.WriteString(sheettest.Inline(i, fmt.Sprintf("C%05d", i), i))
	}
	b := sheettest.Book{Sheets: []sheettest.Sheet{{Name: "Sheet1", Rows: rs.String()}}}.Bytes()
	wb, err := sheet.Open(bytes.NewReader(b), int64(len(b)), sheet.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	sheetRows, err := wb.Rows("")
	if err != nil {
		t.Fatal(err)
	}
	defer sheetRows.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rows := cancellable(ctx, sheetRows)
	n := 0
	for rows.Next() {
		if n++; n == 10 {
			cancel()
		}
	}
	if n >= 5000 || n < 10 {
		t.Errorf("read %d rows after cancelling at 10, want the read cut short", n)
	}
	if !errors.Is(rows.Err(), context.Canceled) {
		t.Errorf("Err() = %v, want context.Canceled", rows.Err())
	}
}
