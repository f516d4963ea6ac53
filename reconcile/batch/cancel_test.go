package batch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/encours/encours/reconcile/xlsx"
)

// TestCancellableStopsMidSheet: a cancelled run stops reading a sheet within
// a thousand rows or so, and says why, instead of reading it to the end.
func TestCancellableStopsMidSheet(t *testing.T) {
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 5000; i++ {
		if err := sw.SetRow(fmt.Sprintf("A%d", i), []any{fmt.Sprintf("C%05d", i), i}); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	wb, err := xlsx.Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()), xlsx.Limits{})
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
