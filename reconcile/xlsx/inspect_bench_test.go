package xlsx

import (
	"archive/zip"
	"bytes"
	"os"
	"testing"
)

// BenchmarkInspect measures the pre-open inspection on a large export
// (set ENCOURS_BIG_XLSX to its path; skipped otherwise).
func BenchmarkInspect(b *testing.B) {
	p := os.Getenv("ENCOURS_BIG_XLSX")
	if p == "" {
		b.Skip("ENCOURS_BIG_XLSX not set")
	}
	data, err := os.ReadFile(p)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			b.Fatal(err)
		}
		if err := inspect(zr, int64(len(data)), Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}
