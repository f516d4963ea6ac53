package layout

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/encours/encours/reconcile"
)

func TestParseAmount(t *testing.T) {
	tests := []struct {
		in   string
		dec  string
		want reconcile.Cents
		err  error
	}{
		// Raw numeric cells, as Excel stores them.
		{"5000.5", "comma", 500050, nil},
		{"5000.5", "point", 500050, nil},
		{"-12", "comma", -1200, nil},
		{"0", "comma", 0, nil},
		{"1.2E+3", "comma", 120000, nil},
		{"1.2e3", "point", 120000, nil},
		{"1E-3", "comma", 0, nil},
		{"5E-3", "comma", 1, nil},
		{"-5E-3", "comma", -1, nil},
		{"0.125", "comma", 13, nil}, // leading 0: a number, not 125 €
		{"12340.004999", "comma", 1234000, nil},
		{"12340.005", "comma", 1234001, nil},
		{"-12340.005", "comma", -1234001, nil},
		{"0.045", "point", 5, nil},
		{"0.044999999999999998", "point", 4, nil},
		{"5.0000000000000003E-2", "comma", 5, nil},
		{"1E+13", "comma", 1e15, nil},
		{"1.0000000000001E+13", "comma", 0, ErrAmountTooLarge},
		{"1E+99999999", "comma", 0, ErrAmountTooLarge},
		{"1E-99999999", "comma", 0, nil},
		{"10000000000000.004", "point", 1e15, nil},
		{"10000000000000.005", "point", 0, ErrAmountTooLarge},
		// The ambiguous form: dot thousands in a comma layout.
		{"1.234", "comma", 123400, nil},
		{"-1.234", "comma", -123400, nil},
		{"12.345.678", "comma", 1234567800, nil},
		{"1.234", "point", 123, nil},
		{"1.2345", "comma", 123, nil},
		// Text, comma layout.
		{"5 000,00 €", "comma", 500000, nil},
		{"5\u00a0000,00\u00a0€", "comma", 500000, nil},
		{"5\u202f000,00 €", "comma", 500000, nil},
		{"1'234'567,891", "comma", 123456789, nil},
		{"5.000,00", "comma", 500000, nil},
		{"5.000", "comma", 500000, nil},
		{"12,5", "comma", 1250, nil},
		{",5", "comma", 50, nil},
		{"(1 234,00)", "comma", -123400, nil},
		{"(1 234,00 €)", "comma", -123400, nil},
		{"(1 234,00) €", "comma", -123400, nil},
		{"-1 234,56 €", "comma", -123456, nil},
		{"− 1 234,56", "comma", -123456, nil},
		{"1 234,56-", "comma", -123456, nil},
		{"€ -12", "comma", -1200, nil},
		{"EUR 12,345", "comma", 1235, nil},
		{"12 eur", "comma", 1200, nil},
		{"+12,00", "comma", 1200, nil},
		{"  12,00  ", "comma", 1200, nil},
		{"0,005", "comma", 1, nil},
		{"0,00499", "comma", 0, nil},
		{"12 340,00", "comma", 1234000, nil},
		{"10 000 000 000 000,00", "comma", 1e15, nil},
		{"10 000 000 000 000,01", "comma", 0, ErrAmountTooLarge},
		// Text, point layout.
		{"5,000.00", "point", 500000, nil},
		{"€5,000.00", "point", 500000, nil},
		{"(€1,234.50)", "point", -123450, nil},
		{"1 234.5", "point", 123450, nil},
		{"-0.5", "point", -50, nil},
		// Rejected.
		{"", "comma", 0, ErrEmpty},
		{" \u00a0 ", "comma", 0, ErrEmpty},
		{"12,5 %", "comma", 0, ErrNotAmount},
		{"1,234.56", "comma", 0, ErrNotAmount},
		{"1.234,56", "point", 0, ErrNotAmount},
		{"1,5", "point", 0, ErrNotAmount},
		{"5000.5 €", "comma", 0, ErrNotAmount},
		{"12 34,00", "comma", 0, ErrNotAmount},
		{"1 2345,00", "comma", 0, ErrNotAmount},
		{"1234 567", "comma", 0, ErrNotAmount},
		{"1 234 ", "comma", 1234 * 100, nil},
		{"1  234", "comma", 0, ErrNotAmount},
		{"1,2,3", "comma", 0, ErrNotAmount},
		{"abc", "comma", 0, ErrNotAmount},
		{"€", "comma", 0, ErrNotAmount},
		{"-", "comma", 0, ErrNotAmount},
		{",", "comma", 0, ErrNotAmount},
		{"()", "comma", 0, ErrNotAmount},
		{"(-12)", "comma", 0, ErrNotAmount},
		{"--12", "comma", 0, ErrNotAmount},
		{"12 000 USD", "comma", 0, ErrNotAmount},
		{"#N/A", "comma", 0, ErrNotAmount},
		{"1.2.3", "comma", 0, ErrNotAmount},
		{"0.123.456", "comma", 0, ErrNotAmount},
		{"12", "semicolon", 0, nil}, // bad layout: any error
	}
	for _, tt := range tests {
		t.Run(tt.dec+"/"+tt.in, func(t *testing.T) {
			got, err := ParseAmount(tt.in, tt.dec)
			if tt.dec == "semicolon" {
				if err == nil {
					t.Fatalf("ParseAmount(%q, %q) = %v, want an error", tt.in, tt.dec, got)
				}
				return
			}
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("ParseAmount(%q, %q) = %v, %v; want error %v", tt.in, tt.dec, got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseAmount(%q, %q) = %d, %v; want %d", tt.in, tt.dec, got, err, tt.want)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in       string
		order    string
		date1904 bool
		want     string // "2006-01-02 15:04:05"; "" = ErrNotDate; "empty" = ErrEmpty
	}{
		// 1900 serials.
		{"39994", "dmy", false, "2009-06-30 00:00:00"},
		{"39994.333333333336", "dmy", false, "2009-06-30 08:00:00"},
		{"39994.33333333333", "dmy", false, "2009-06-30 08:00:00"},
		{"39994.999999", "dmy", false, "2009-07-01 00:00:00"},
		{"39994.5", "dmy", false, "2009-06-30 12:00:00"},
		{"3.9994E+4", "dmy", false, "2009-06-30 00:00:00"},
		{"1", "dmy", false, "1900-01-01 00:00:00"},
		{"59", "dmy", false, "1900-02-28 00:00:00"},
		{"59.5", "dmy", false, "1900-02-28 12:00:00"},
		{"60", "dmy", false, ""},
		{"60.25", "dmy", false, ""},
		{"61", "dmy", false, "1900-03-01 00:00:00"},
		{"0", "dmy", false, ""},
		{"0.5", "dmy", false, ""},
		{"-1", "dmy", false, ""},
		{"2958465", "dmy", false, "9999-12-31 00:00:00"},
		{"2958465.9999999", "dmy", false, ""},
		{"2958466", "dmy", false, ""},
		{"1E+300", "dmy", false, ""},
		// 1904 serials: the same number, four years and a day later.
		{"38532", "dmy", true, "2009-06-30 00:00:00"},
		{"38532.333333333336", "dmy", true, "2009-06-30 08:00:00"},
		{"39994", "dmy", true, "2013-07-01 00:00:00"},
		{"1", "dmy", true, "1904-01-02 00:00:00"},
		{"60", "dmy", true, "1904-03-01 00:00:00"},
		{"2957003", "dmy", true, "9999-12-31 00:00:00"},
		{"2957004", "dmy", true, ""},
		// ISO, whatever the order.
		{"2009-06-30", "dmy", false, "2009-06-30 00:00:00"},
		{"2009-06-30", "mdy", false, "2009-06-30 00:00:00"},
		{"2009-06-30 08:00", "dmy", false, "2009-06-30 08:00:00"},
		{"2009-06-30 08:00:15", "dmy", false, "2009-06-30 08:00:15"},
		{"2009-06-30T08:00", "dmy", false, "2009-06-30 08:00:00"},
		{"2009-06-30T08:00:59", "ymd", false, "2009-06-30 08:00:59"},
		// Typed date cells as SheetJS writes them (t="d").
		{"2009-06-02T00:00:00.000Z", "dmy", false, "2009-06-02 00:00:00"},
		{"2009-06-02T14:30:05.5", "mdy", false, "2009-06-02 14:30:05"},
		{"2009-06-02T14:30:05Z", "dmy", false, "2009-06-02 14:30:05"},
		{"2009-06-02T14:30:05.Z", "dmy", false, ""},
		{"2009-06-02T14:30:05.000+02:00", "dmy", false, ""},
		{"30/06/2009 08:00:00Z", "dmy", false, ""},
		{"30/06/2009 08:00:00.5", "dmy", false, ""},
		{"2009/06/30", "dmy", false, "2009-06-30 00:00:00"},
		{"2009-02-29", "dmy", false, ""},
		{"2008-02-29", "dmy", false, "2008-02-29 00:00:00"},
		{"2009-6-3", "ymd", false, "2009-06-03 00:00:00"},
		// Text per order.
		{"30/06/2009", "dmy", false, "2009-06-30 00:00:00"},
		{"30/06/2009", "", false, "2009-06-30 00:00:00"},
		{"30.06.2009", "dmy", false, "2009-06-30 00:00:00"},
		{"30-06-2009", "dmy", false, "2009-06-30 00:00:00"},
		{"1/6/2009", "dmy", false, "2009-06-01 00:00:00"},
		{"30/06/2009 08:00", "dmy", false, "2009-06-30 08:00:00"},
		{"30/06/2009  8:05:09", "dmy", false, "2009-06-30 08:05:09"},
		{"06/30/2009", "mdy", false, "2009-06-30 00:00:00"},
		{"6/1/2009", "mdy", false, "2009-06-01 00:00:00"},
		{"06/30/2009", "dmy", false, ""},
		{"30/06/2009", "mdy", false, ""},
		{"31/02/2009", "dmy", false, ""},
		{"29/02/2000", "dmy", false, "2000-02-29 00:00:00"},
		{"29/02/1900", "dmy", false, ""},
		{"31/04/2009", "dmy", false, ""},
		{"00/01/2009", "dmy", false, ""},
		{"01/13/2009", "dmy", false, ""},
		{"30/06/09", "dmy", false, ""},
		{"30/06-2009", "dmy", false, ""},
		{"30/06/2009 24:00", "dmy", false, ""},
		{"30/06/2009 08:60", "dmy", false, ""},
		{"30/06/2009 08:00:60", "dmy", false, ""},
		{"30/06/2009 8h00", "dmy", false, ""},
		{"30/06/2009T08:00", "dmy", false, ""},
		{"30/06/2009 08", "dmy", false, ""},
		{"30/06/20090", "dmy", false, ""},
		{"030/06/2009", "dmy", false, ""},
		{"30/06/2009", "ymd", false, ""},
		{"2009.06.30", "ymd", false, "2009-06-30 00:00:00"},
		{"30 juin 2009", "dmy", false, ""},
		{"hier", "dmy", false, ""},
		{"", "dmy", false, "empty"},
		{"\u00a0", "dmy", false, "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.in+"/"+tt.order+"/"+strconv.FormatBool(tt.date1904), func(t *testing.T) {
			got, err := ParseDate(tt.in, tt.order, tt.date1904, paris)
			switch tt.want {
			case "":
				if !errors.Is(err, ErrNotDate) {
					t.Fatalf("ParseDate(%q) = %v, %v; want ErrNotDate", tt.in, got, err)
				}
				return
			case "empty":
				if !errors.Is(err, ErrEmpty) {
					t.Fatalf("ParseDate(%q) = %v, %v; want ErrEmpty", tt.in, got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDate(%q): %v", tt.in, err)
			}
			if got.Location() != paris {
				t.Errorf("location %v, want Europe/Paris", got.Location())
			}
			if s := got.Format(time.DateTime); s != tt.want {
				t.Errorf("ParseDate(%q, %q, %v) = %s, want %s", tt.in, tt.order, tt.date1904, s, tt.want)
			}
			day, err := ParseDay(tt.in, tt.order, tt.date1904)
			if err != nil || day.String() != tt.want[:10] {
				t.Errorf("ParseDay(%q) = %v, %v; want %s", tt.in, day, err, tt.want[:10])
			}
		})
	}
	if _, err := ParseDate("30/06/2009", "ydm", false, nil); err == nil {
		t.Error("an unknown date order is accepted")
	}
	if got, _ := ParseDate("2009-06-30", "dmy", false, nil); got.Location() != time.UTC {
		t.Errorf("nil location gives %v, want UTC", got.Location())
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Limite assurée", "limite assuree"},
		{"  LIMITE\u00a0\u00a0ASSURÉE ", "limite assuree"},
		{"Limite\u202fassurée", "limite assuree"},
		{"N° commande", "n° commande"},
		{"Code\tclient", "code client"},
		{"code client", "code client"},
		{"", ""},
		{"Résilié", "resilie"},
	}
	for _, tt := range tests {
		if got := normalize(tt.in); got != tt.want {
			t.Errorf("normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIsTotal(t *testing.T) {
	for in, want := range map[string]bool{
		"Total":             true,
		"TOTAL :":           true,
		" total général":    true,
		"Totals":            true,
		"Tôtal":             true,
		"Sous-total Nord":   true,
		"Totalgaz SARL":     false,
		"Grand total":       false,
		"C001":              false,
		"":                  false,
		"Total2":            false,
		"subtotal":          true,
		"Totaux":            false,
		"Société Totale SA": false,
	} {
		if got := isTotal(in); got != want {
			t.Errorf("isTotal(%q) = %v, want %v", in, got, want)
		}
	}
}

// FuzzParseAmount checks that no input panics, that every accepted amount
// is within MaxAmount, and that amounts survive a round trip through the
// French and the canonical writing.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"5000.5", "1.2E+3", "5 000,00 €", "(1 234,00)", "1.234", "12,5 %", "-0,005", "1'234,5", "€5,000.00", "1E+13"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, comma bool) {
		dec := DecimalPoint
		if comma {
			dec = DecimalComma
		}
		c, err := ParseAmount(s, dec)
		if err != nil {
			return
		}
		if c > MaxAmount || c < -MaxAmount {
			t.Fatalf("ParseAmount(%q) = %d, beyond MaxAmount", s, c)
		}
		fr := strings.TrimSuffix(c.FormatFR(), " €")
		if back, err := ParseAmount(fr, DecimalComma); err != nil || back != c {
			t.Fatalf("ParseAmount(%q) = %d; its French form %q reads back as %d, %v", s, c, fr, back, err)
		}
		canon := strconv.FormatInt(int64(c), 10) + "E-2"
		if back, err := ParseAmount(canon, dec); err != nil || back != c {
			t.Fatalf("ParseAmount(%q) = %d; %q reads back as %d, %v", s, c, canon, back, err)
		}
	})
}

// FuzzParseDate checks that no input panics and that every accepted date
// is a real day written back the same in ISO.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"39994", "39994.333333333336", "60", "2009-06-30 08:00", "30/06/2009", "31/02/2009", "06/30/2009", "2958465", "0.5"} {
		f.Add(s, "dmy", false)
		f.Add(s, "mdy", true)
	}
	f.Fuzz(func(t *testing.T, s, order string, date1904 bool) {
		got, err := ParseDate(s, order, date1904, time.UTC)
		if err != nil {
			return
		}
		if got.Year() < 1900 || got.Year() > 9999 || got.Nanosecond() != 0 {
			t.Fatalf("ParseDate(%q) = %v, out of range", s, got)
		}
		iso := got.Format(time.DateTime)
		back, err := ParseDate(iso, order, false, time.UTC)
		if err != nil || !back.Equal(got) {
			t.Fatalf("ParseDate(%q) = %v; %q reads back as %v, %v", s, got, iso, back, err)
		}
	})
}

func BenchmarkParseAmount(b *testing.B) {
	in := []string{"12340.5", "5 000,00 €", "(1\u00a0234,56)", "1.234", "1.2E+3"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := ParseAmount(in[i%len(in)], DecimalComma); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseDate(b *testing.B) {
	in := []string{"39994", "39994.333333333336", "30/06/2009", "2009-06-30 08:00"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := ParseDate(in[i%len(in)], DMY, false, time.UTC); err != nil {
			b.Fatal(err)
		}
	}
}
