package reconcile

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

var paris = time.FixedZone("CEST", 2*3600)

var (
	mezzanine = Program{
		ID: "mezzanine", Name: "Programme Mezzanine", Kind: CreditTopUp, Wholesalers: []string{"actebis"},
		From: MustDate("2009-03-02"), Until: MustDate("2009-06-30"), MaxAmount: Euros(5000), RoundUpTo: Euros(100),
	}
	oemOffice = Program{
		ID: "oem-office", Name: "Ligne OEM Office", Kind: OrderTriggeredLine, Wholesalers: []string{"etc"},
		Amount: Euros(5000), DurationMonths: 6,
		Trigger: Trigger{Category: []string{"OEM"}, ProductContains: []string{"Office"}, MinOrderAmount: Euros(1000)},
	}
	msFinancing = Program{
		ID: "ms-financing", Name: "Microsoft Financing", Kind: FinancingSLA, Wholesalers: []string{"*"},
		PaymentValues: []string{"Microsoft Financing"}, MaxHours: 48,
	}
	allPrograms = []Program{mezzanine, oemOffice, msFinancing}
)

func account(id string, status Status, limit, outstanding Cents) Account {
	return Account{ResellerID: id, Name: "Reseller " + id, Status: status, InsuredLimit: limit, Outstanding: outstanding}
}

func applied(a Account, c Cents) Account {
	a.AppliedLine = c
	return a
}

func order(id, reseller, date, product, category string, amount Cents) Order {
	return Order{OrderID: id, ResellerID: reseller, Date: MustDate(date), Product: product, Category: category, Amount: amount}
}

// financed is an order line paid by vendor financing, accepted and
// possibly paid at the given local times ("" = not set).
func financed(id, reseller, accepted, paid string) Order {
	o := order(id, reseller, accepted[:10], "Surface", "Hardware", Euros(5000))
	o.Payment = "Microsoft Financing"
	o.FinancingAcceptedAt = instant(accepted)
	if paid != "" {
		o.FinancingPaidAt = instant(paid)
	}
	return o
}

func instant(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04:05", s, paris)
	if err != nil {
		panic(err)
	}
	return t
}

func held(id int64, w, p, r string, amount Cents, from, until, reason string) Line {
	return Line{ID: id, Wholesaler: w, Program: p, ResellerID: r, Amount: amount,
		ValidFrom: MustDate(from), ValidUntil: MustDate(until), State: Valid, Reason: reason}
}

func change(l Line, status LineStatus, reason string) LineChange {
	switch status {
	case Ended:
		l.State = Expired
	case Withdrawn:
		l.State = Revoked
	default:
		l.State = Valid
	}
	if reason != "" {
		l.Reason = reason
	}
	return LineChange{Line: l, Status: status}
}

func expiring(c LineChange) LineChange {
	c.Expiring = true
	return c
}

func feed(w string, accounts []Account, orders ...Order) Feed {
	f := Feed{Wholesaler: w, Accounts: accounts, Orders: orders, Statuses: map[string]Status{}}
	for _, a := range accounts {
		f.Statuses[a.ResellerID] = a.Status
	}
	return f
}

func input(asOf string, feeds ...Feed) Input {
	d := MustDate(asOf)
	return Input{AsOf: d, AsOfInstant: d.Time(paris), ExpiringWithinDays: 30, Programs: allPrograms, Feeds: feeds}
}

func (in Input) with(lines ...Line) Input {
	in.Lines = lines
	return in
}

func (in Input) seen(keys ...OrderKey) Input {
	in.Seen = func(k OrderKey) bool {
		for _, s := range keys {
			if s == k {
				return true
			}
		}
		return false
	}
	return in
}

const (
	active     = Active
	terminated = Terminated
)

// topUp is the line granted by mezzanine on 2009-05-04.
func topUp(r string, amount Cents, reason string) Line {
	return Line{Wholesaler: "actebis", Program: "mezzanine", ResellerID: r, Amount: amount,
		ValidFrom: MustDate("2009-05-04"), ValidUntil: MustDate("2009-06-30"), Reason: reason}
}

func oemLine(r, from, until, reason string) Line {
	return Line{Wholesaler: "etc", Program: "oem-office", ResellerID: r, Amount: Euros(5000),
		ValidFrom: MustDate(from), ValidUntil: MustDate(until), Reason: reason}
}

const o123 = "order O-123 of 2009-04-02: 1 200,00 € of OEM Office products (threshold 1 000,00 €); line of 5 000,00 € for 6 months"

func TestEvaluate(t *testing.T) {
	etcC1 := func(orders ...Order) Feed {
		return feed("etc", []Account{account("C1", active, Euros(10000), Euros(2000))}, orders...)
	}
	tests := []struct {
		name      string
		in        Input
		wantLines []LineChange
		wantDisc  []Discrepancy
	}{
		// credit_top_up
		{
			name: "top-up rounds the shortfall up to 100",
			in:   input("2009-05-04", feed("actebis", []Account{account("C1", active, Euros(9000), Euros(12340))})),
			wantLines: []LineChange{change(topUp("C1", Euros(3400),
				"outstanding 12 340,00 € exceeds insured limit 9 000,00 € by 3 340,00 €"), Granted, "")},
		},
		{
			name: "top-up of a shortfall already a multiple of 100",
			in:   input("2009-05-04", feed("actebis", []Account{account("C1", active, Euros(9000), Euros(12400))})),
			wantLines: []LineChange{change(topUp("C1", Euros(3400),
				"outstanding 12 400,00 € exceeds insured limit 9 000,00 € by 3 400,00 €"), Granted, "")},
		},
		{
			name: "top-up of one cent rounds to 100 €",
			in:   input("2009-05-04", feed("actebis", []Account{account("C1", active, Euros(9000), Euros(9000)+1)})),
			wantLines: []LineChange{change(topUp("C1", Euros(100),
				"outstanding 9 000,01 € exceeds insured limit 9 000,00 € by 0,01 €"), Granted, "")},
		},
		{
			name: "top-up capped at max_amount",
			in:   input("2009-05-04", feed("actebis", []Account{account("C1", active, Euros(9000), Euros(20000))})),
			wantLines: []LineChange{change(topUp("C1", Euros(5000),
				"outstanding 20 000,00 € exceeds insured limit 9 000,00 € by 11 000,00 €; capped at 5 000,00 €"), Granted, "")},
		},
		{
			name: "no shortfall, no line",
			in: input("2009-05-04", feed("actebis", []Account{
				account("C1", active, Euros(9000), Euros(9000)), account("C2", active, Euros(9000), Euros(100))})),
		},
		{
			name: "line never reduced when the shortfall shrinks",
			in: input("2009-05-04", feed("actebis", []Account{account("C1", active, Euros(9000), Euros(10000))})).
				with(held(7, "actebis", "mezzanine", "C1", Euros(3400), "2009-04-06", "2009-06-30", "earlier")),
			wantLines: []LineChange{change(held(7, "actebis", "mezzanine", "C1", Euros(3400), "2009-04-06", "2009-06-30", "earlier"), Unchanged, "")},
		},
		{
			name: "line never reduced when the shortfall vanishes",
			in: input("2009-05-04", feed("actebis", []Account{account("C1", active, Euros(9000), Euros(5000))})).
				with(held(7, "actebis", "mezzanine", "C1", Euros(3400), "2009-04-06", "2009-06-30", "earlier")),
			wantLines: []LineChange{change(held(7, "actebis", "mezzanine", "C1", Euros(3400), "2009-04-06", "2009-06-30", "earlier"), Unchanged, "")},
		},
		{
			name: "line increased when the shortfall grows",
			in: input("2009-05-04", feed("actebis", []Account{account("C1", active, Euros(9000), Euros(12950))})).
				with(held(7, "actebis", "mezzanine", "C1", Euros(3400), "2009-04-06", "2009-06-30", "earlier")),
			wantLines: []LineChange{change(held(7, "actebis", "mezzanine", "C1", Euros(4000), "2009-04-06", "2009-06-30", ""), Increased,
				"outstanding 12 950,00 € exceeds insured limit 9 000,00 € by 3 950,00 €; line raised from 3 400,00 € to 4 000,00 €")},
		},
		{
			name: "line increased up to the cap",
			in: input("2009-05-04", feed("actebis", []Account{account("C1", active, Euros(9000), Euros(30000))})).
				with(held(7, "actebis", "mezzanine", "C1", Euros(3400), "2009-04-06", "2009-06-30", "earlier")),
			wantLines: []LineChange{change(held(7, "actebis", "mezzanine", "C1", Euros(5000), "2009-04-06", "2009-06-30", ""), Increased,
				"outstanding 30 000,00 € exceeds insured limit 9 000,00 € by 21 000,00 €; capped at 5 000,00 €; line raised from 3 400,00 € to 5 000,00 €")},
		},
		{
			name: "nothing granted the day before from",
			in:   input("2009-03-01", feed("actebis", []Account{account("C1", active, Euros(9000), Euros(12340))})),
		},
		{
			name: "granted on from",
			in:   input("2009-03-02", feed("actebis", []Account{account("C1", active, Euros(9000), Euros(12340))})),
			wantLines: []LineChange{change(Line{Wholesaler: "actebis", Program: "mezzanine", ResellerID: "C1", Amount: Euros(3400),
				ValidFrom: MustDate("2009-03-02"), ValidUntil: MustDate("2009-06-30"),
				Reason: "outstanding 12 340,00 € exceeds insured limit 9 000,00 € by 3 340,00 €"}, Granted, "")},
		},
		{
			name: "granted on until, through that day, expiring",
			in:   input("2009-06-30", feed("actebis", []Account{account("C1", active, Euros(9000), Euros(12340))})),
			wantLines: []LineChange{expiring(change(Line{Wholesaler: "actebis", Program: "mezzanine", ResellerID: "C1", Amount: Euros(3400),
				ValidFrom: MustDate("2009-06-30"), ValidUntil: MustDate("2009-06-30"),
				Reason: "outstanding 12 340,00 € exceeds insured limit 9 000,00 € by 3 340,00 €"}, Granted, ""))},
		},
		{
			name: "valid_until is inclusive: still active on that day",
			in: input("2009-06-30").
				with(held(7, "actebis", "mezzanine", "C1", Euros(3400), "2009-04-06", "2009-06-30", "earlier")),
			wantLines: []LineChange{expiring(change(held(7, "actebis", "mezzanine", "C1", Euros(3400), "2009-04-06", "2009-06-30", "earlier"), Unchanged, ""))},
		},
		{
			name: "expires the day after until and nothing is granted after it",
			in: input("2009-07-01", feed("actebis", []Account{account("C1", active, Euros(9000), Euros(12340))})).
				with(held(7, "actebis", "mezzanine", "C1", Euros(3400), "2009-04-06", "2009-06-30", "earlier")),
			wantLines: []LineChange{change(held(7, "actebis", "mezzanine", "C1", Euros(3400), "2009-04-06", "2009-06-30", ""), Ended, "ended on 2009-06-30")},
		},
		{
			name: "a line that expired is replaced by a new one (ID 0)",
			in: input("2009-05-04", feed("actebis", []Account{account("C1", active, Euros(9000), Euros(12340))})).
				with(held(5, "actebis", "mezzanine", "C1", Euros(1000), "2009-03-02", "2009-04-30", "earlier")),
			wantLines: []LineChange{
				change(held(5, "actebis", "mezzanine", "C1", Euros(1000), "2009-03-02", "2009-04-30", ""), Ended, "ended on 2009-04-30"),
				change(topUp("C1", Euros(3400), "outstanding 12 340,00 € exceeds insured limit 9 000,00 € by 3 340,00 €"), Granted, ""),
			},
		},
		{
			name: "terminated reseller: line revoked, no new line",
			in: input("2009-05-04", feed("actebis", []Account{
				account("C1", terminated, Euros(9000), Euros(20000)), account("C2", terminated, Euros(9000), Euros(20000))})).
				with(held(7, "actebis", "mezzanine", "C1", Euros(3400), "2009-04-06", "2009-06-30", "earlier")),
			wantLines: []LineChange{change(held(7, "actebis", "mezzanine", "C1", Euros(3400), "2009-04-06", "2009-06-30", ""), Withdrawn,
				"reseller terminated at the wholesaler; line revoked")},
		},
		{
			name: "latest status across the run's files wins over the last file's row",
			in: func() Input {
				f := feed("actebis", []Account{account("C1", active, Euros(9000), Euros(20000))})
				f.Statuses["C1"] = Terminated
				return input("2009-05-04", f)
			}(),
		},
		{
			name: "statuses taken from the accounts when the feed has none",
			in: func() Input {
				f := feed("actebis", []Account{account("C1", terminated, Euros(9000), Euros(20000)), account("C2", active, Euros(9000), Euros(9500))})
				f.Statuses = nil
				return input("2009-05-04", f).with(held(7, "actebis", "mezzanine", "C1", Euros(3400), "2009-04-06", "2009-06-30", "earlier"))
			}(),
			wantLines: []LineChange{
				change(held(7, "actebis", "mezzanine", "C1", Euros(3400), "2009-04-06", "2009-06-30", ""), Withdrawn, "reseller terminated at the wholesaler; line revoked"),
				change(topUp("C2", Euros(500), "outstanding 9 500,00 € exceeds insured limit 9 000,00 € by 500,00 €"), Granted, ""),
			},
		},
		{
			name: "terminated reseller loses its lines at that wholesaler only",
			in: input("2009-05-04", feed("actebis", []Account{account("C1", terminated, Euros(9000), Euros(9000))})).
				with(held(7, "actebis", "mezzanine", "C1", Euros(3400), "2009-04-06", "2009-06-30", "earlier"),
					held(8, "actebis", "other", "C1", Euros(1000), "2009-04-06", "2009-08-30", "other"),
					held(9, "etc", "oem-office", "C1", Euros(5000), "2009-04-02", "2009-10-01", "oem")),
			wantLines: []LineChange{
				change(held(7, "actebis", "mezzanine", "C1", Euros(3400), "2009-04-06", "2009-06-30", ""), Withdrawn, "reseller terminated at the wholesaler; line revoked"),
				change(held(8, "actebis", "other", "C1", Euros(1000), "2009-04-06", "2009-08-30", ""), Withdrawn, "reseller terminated at the wholesaler; line revoked"),
				change(held(9, "etc", "oem-office", "C1", Euros(5000), "2009-04-02", "2009-10-01", "oem"), Unchanged, ""),
			},
		},
		// order_triggered_line
		{
			name:      "qualifying order grants a line through the day before 6 months",
			in:        input("2009-04-06", etcC1(order("O-123", "C1", "2009-04-02", "Office Pro 2007", "OEM", Euros(1200)))),
			wantLines: []LineChange{change(oemLine("C1", "2009-04-02", "2009-10-01", o123), Granted, "")},
		},
		{
			name: "month-end: 2009-03-15 + 6 months runs through 2009-09-14",
			in:   input("2009-03-20", etcC1(order("O-1", "C1", "2009-03-15", "Office Pro", "OEM", Euros(1000)))),
			wantLines: []LineChange{change(oemLine("C1", "2009-03-15", "2009-09-14",
				"order O-1 of 2009-03-15: 1 000,00 € of OEM Office products (threshold 1 000,00 €); line of 5 000,00 € for 6 months"), Granted, "")},
		},
		{
			name: "month-end: 2009-08-31 + 6 months clamps to 2010-02-28, through 2010-02-27",
			in:   input("2009-09-01", etcC1(order("O-1", "C1", "2009-08-31", "Office Pro", "OEM", Euros(1000)))),
			wantLines: []LineChange{change(oemLine("C1", "2009-08-31", "2010-02-27",
				"order O-1 of 2009-08-31: 1 000,00 € of OEM Office products (threshold 1 000,00 €); line of 5 000,00 € for 6 months"), Granted, "")},
		},
		{
			name: "later order extends the line; the amount never stacks",
			in: input("2009-04-06", etcC1(order("O-123", "C1", "2009-04-02", "Office Pro", "OEM", Euros(1200)))).
				with(held(3, "etc", "oem-office", "C1", Euros(5000), "2009-03-15", "2009-09-14", "earlier")),
			wantLines: []LineChange{change(held(3, "etc", "oem-office", "C1", Euros(5000), "2009-03-15", "2009-10-01", ""), Extended,
				o123+"; extended from 2009-09-14 to 2009-10-01")},
		},
		{
			name: "extension takes the max: an order ending earlier changes nothing",
			in: input("2009-04-06", etcC1(order("O-123", "C1", "2009-04-02", "Office Pro", "OEM", Euros(1200)))).
				with(held(3, "etc", "oem-office", "C1", Euros(5000), "2009-03-15", "2009-12-31", "earlier")),
			wantLines: []LineChange{change(held(3, "etc", "oem-office", "C1", Euros(5000), "2009-03-15", "2009-12-31", "earlier"), Unchanged, "")},
		},
		{
			name: "two qualifying orders in one run: one granted line, oldest order first",
			in: input("2009-04-06", etcC1(
				order("O-2", "C1", "2009-04-02", "Office Pro", "OEM", Euros(1200)),
				order("O-1", "C1", "2009-03-15", "Office Pro", "OEM", Euros(3000)))),
			wantLines: []LineChange{change(oemLine("C1", "2009-03-15", "2009-10-01",
				"order O-2 of 2009-04-02: 1 200,00 € of OEM Office products (threshold 1 000,00 €); line of 5 000,00 € for 6 months; extended from 2009-09-14 to 2009-10-01"), Granted, "")},
		},
		{
			name: "two orders on the same date are taken in order_id order",
			in: input("2009-04-06", etcC1(
				order("O-B", "C1", "2009-04-02", "Office Pro", "OEM", Euros(1200)),
				order("O-A", "C1", "2009-04-02", "Office Pro", "OEM", Euros(1500)))),
			wantLines: []LineChange{change(oemLine("C1", "2009-04-02", "2009-10-01",
				"order O-A of 2009-04-02: 1 500,00 € of OEM Office products (threshold 1 000,00 €); line of 5 000,00 € for 6 months"), Granted, "")},
		},
		{
			name: "order seen in an earlier run changes nothing",
			in:   input("2009-04-06", etcC1(order("O-123", "C1", "2009-04-02", "Office Pro", "OEM", Euros(1200)))).seen(OrderKey{"etc", "O-123"}),
		},
		{
			name: "an order repeated by a later file of the run counts once",
			in: func() Input {
				a := order("O-1", "C1", "2009-04-02", "Office Pro", "OEM", Euros(600))
				a.File = "week14.xlsx"
				b := a
				b.File = "week15.xlsx"
				return input("2009-04-06", etcC1(a, b))
			}(),
		},
		{
			name: "order below the threshold",
			in:   input("2009-04-06", etcC1(order("O-1", "C1", "2009-04-02", "Office Pro", "OEM", Euros(1000)-1))),
		},
		{
			name: "order lines summing exactly to the threshold; other lines not counted",
			in: input("2009-04-06", etcC1(
				order("O-123", "C1", "2009-04-02", "Office Standard", "OEM", Euros(700)),
				order("O-123", "C1", "2009-04-02", "Windows Vista", "OEM", Euros(9000)),
				order("O-123", "C1", "2009-04-02", "Office Pro", "Retail", Euros(9000)),
				order("O-123", "C1", "2009-04-02", "Office Pro", "OEM", Euros(300)))),
			wantLines: []LineChange{change(oemLine("C1", "2009-04-02", "2009-10-01",
				"order O-123 of 2009-04-02: 1 000,00 € of OEM Office products (threshold 1 000,00 €); line of 5 000,00 € for 6 months"), Granted, "")},
		},
		{
			name:      "category and product match case-insensitively",
			in:        input("2009-04-06", etcC1(order("O-123", "C1", "2009-04-02", "MS OFFICE PRO 2007", " oem ", Euros(1200)))),
			wantLines: []LineChange{change(oemLine("C1", "2009-04-02", "2009-10-01", o123), Granted, "")},
		},
		{
			name: "category is an equality, not a substring",
			in:   input("2009-04-06", etcC1(order("O-123", "C1", "2009-04-02", "Office Pro", "OEM-NL", Euros(1200)))),
		},
		{
			name: "order whose line would already have ended creates nothing",
			in:   input("2009-03-02", etcC1(order("O-1", "C1", "2008-09-01", "Office Pro", "OEM", Euros(1200)))),
		},
		{
			name: "order whose line ends on as-of still grants",
			in:   input("2009-02-27", etcC1(order("O-1", "C1", "2008-08-31", "Office Pro", "OEM", Euros(1200)))),
			wantLines: []LineChange{expiring(change(oemLine("C1", "2008-08-31", "2009-02-27",
				"order O-1 of 2008-08-31: 1 200,00 € of OEM Office products (threshold 1 000,00 €); line of 5 000,00 € for 6 months"), Granted, ""))},
		},
		{
			name: "order dated after as-of",
			in:   input("2009-04-06", etcC1(order("O-1", "C1", "2009-04-07", "Office Pro", "OEM", Euros(1200)))),
		},
		{
			name: "order terminated reseller gets no line",
			in: input("2009-04-06", feed("etc", []Account{account("C1", terminated, 0, 0)},
				order("O-1", "C1", "2009-04-02", "Office Pro", "OEM", Euros(1200)))),
		},
		{
			name: "order for a reseller with no known status gets no line",
			in:   input("2009-04-06", etcC1(order("O-1", "C7", "2009-04-02", "Office Pro", "OEM", Euros(1200)))),
		},
		// financing_sla
		{
			name: "financing paid in exactly 48 h is on time",
			in:   input("2009-05-04", etcC1(financed("O-1", "C1", "2009-04-27 08:00:00", "2009-04-29 08:00:00"))),
		},
		{
			name:     "financing paid in 48 h 1 s is late, 48 hours",
			in:       input("2009-05-04", etcC1(financed("O-1", "C1", "2009-04-27 08:00:00", "2009-04-29 08:00:01"))),
			wantDisc: []Discrepancy{{Wholesaler: "etc", Kind: FinancingLate, ResellerID: "C1", Program: "ms-financing", OrderID: "O-1", Hours: 48}},
		},
		{
			name:     "financing late hours are rounded down",
			in:       input("2009-05-04", etcC1(financed("O-1", "C1", "2009-04-27 08:00:00", "2009-04-30 08:59:59"))),
			wantDisc: []Discrepancy{{Wholesaler: "etc", Kind: FinancingLate, ResellerID: "C1", Program: "ms-financing", OrderID: "O-1", Hours: 72}},
		},
		{
			name: "unpaid financing within 48 h of the as-of instant",
			in:   input("2009-05-04", etcC1(financed("O-1", "C1", "2009-05-02 00:00:00", ""))),
		},
		{
			name:     "unpaid financing past 48 h of the as-of instant is overdue",
			in:       input("2009-05-04", etcC1(financed("O-1", "C1", "2009-05-01 08:00:00", ""))),
			wantDisc: []Discrepancy{{Wholesaler: "etc", Kind: FinancingOverdue, ResellerID: "C1", Program: "ms-financing", OrderID: "O-1", Hours: 64}},
		},
		{
			name: "overdue against the run's start instant",
			in: func() Input {
				in := input("2009-05-04", etcC1(financed("O-1", "C1", "2009-05-02 00:00:00", "")))
				in.AsOfInstant = instant("2009-05-04 07:00:00")
				return in
			}(),
			wantDisc: []Discrepancy{{Wholesaler: "etc", Kind: FinancingOverdue, ResellerID: "C1", Program: "ms-financing", OrderID: "O-1", Hours: 55}},
		},
		{
			name:     "financing of an order seen earlier is still overdue",
			in:       input("2009-05-04", etcC1(financed("O-1", "C1", "2009-04-20 00:00:00", ""))).seen(OrderKey{"etc", "O-1"}),
			wantDisc: []Discrepancy{{Wholesaler: "etc", Kind: FinancingOverdue, ResellerID: "C1", Program: "ms-financing", OrderID: "O-1", Hours: 336}},
		},
		{
			name: "payment matches case-insensitively and trimmed; other payments ignored",
			in: func() Input {
				a := financed("O-1", "C1", "2009-04-20 00:00:00", "")
				a.Payment = "  MICROSOFT financing "
				b := financed("O-2", "C1", "2009-04-20 00:00:00", "")
				b.Payment = "Traite"
				c := financed("O-3", "C1", "2009-04-20 00:00:00", "")
				c.FinancingAcceptedAt = time.Time{}
				return input("2009-05-04", etcC1(a, b, c))
			}(),
			wantDisc: []Discrepancy{{Wholesaler: "etc", Kind: FinancingOverdue, ResellerID: "C1", Program: "ms-financing", OrderID: "O-1", Hours: 336}},
		},
		{
			name: "the same order listed twice gives one discrepancy",
			in: input("2009-05-04", etcC1(
				financed("O-1", "C1", "2009-04-27 08:00:00", "2009-04-30 08:00:00"),
				financed("O-1", "C1", "2009-04-27 08:00:00", "2009-04-30 08:00:00"))),
			wantDisc: []Discrepancy{{Wholesaler: "etc", Kind: FinancingLate, ResellerID: "C1", Program: "ms-financing", OrderID: "O-1", Hours: 72}},
		},
		{
			name: "max_hours defaults to 48",
			in: func() Input {
				in := input("2009-05-04", etcC1(financed("O-1", "C1", "2009-04-27 08:00:00", "2009-04-29 09:00:00")))
				p := msFinancing
				p.MaxHours = 0
				in.Programs = []Program{p}
				return in
			}(),
			wantDisc: []Discrepancy{{Wholesaler: "etc", Kind: FinancingLate, ResellerID: "C1", Program: "ms-financing", OrderID: "O-1", Hours: 49}},
		},
		// expiry and reconciliation
		{
			name: "expiring at exactly 30 days, not at 31",
			in: input("2009-05-04").with(
				held(1, "techdata", "p", "C1", Euros(100), "2009-01-01", "2009-06-03", "r"),
				held(2, "techdata", "p", "C2", Euros(100), "2009-01-01", "2009-06-04", "r")),
			wantLines: []LineChange{
				expiring(change(held(1, "techdata", "p", "C1", Euros(100), "2009-01-01", "2009-06-03", "r"), Unchanged, "")),
				change(held(2, "techdata", "p", "C2", Euros(100), "2009-01-01", "2009-06-04", "r"), Unchanged, ""),
			},
		},
		{
			name: "negative expiring_within_days is 0",
			in: func() Input {
				in := input("2009-05-04").with(
					held(1, "techdata", "p", "C1", Euros(100), "2009-01-01", "2009-05-04", "r"),
					held(2, "techdata", "p", "C2", Euros(100), "2009-01-01", "2009-05-05", "r"))
				in.ExpiringWithinDays = -5
				return in
			}(),
			wantLines: []LineChange{
				expiring(change(held(1, "techdata", "p", "C1", Euros(100), "2009-01-01", "2009-05-04", "r"), Unchanged, "")),
				change(held(2, "techdata", "p", "C2", Euros(100), "2009-01-01", "2009-05-05", "r"), Unchanged, ""),
			},
		},
		{
			name: "over and under applied against every program's lines",
			in: func() Input {
				f := feed("techdata", []Account{
					applied(account("C1", active, 0, 0), Euros(3400)),
					applied(account("C2", active, 0, 0), Euros(5000)),
					applied(account("C3", active, 0, 0), 0),
					applied(account("C4", active, 0, 0), Euros(1000)),
					applied(account("C5", active, 0, 0), Euros(3000)),
					applied(account("C6", active, 0, 0), 0),
				})
				f.AppliedLineMapped = true
				return input("2009-05-04", f).with(
					held(1, "techdata", "p", "C1", Euros(3400), "2009-04-01", "2009-06-30", "r"),
					held(2, "techdata", "p", "C2", Euros(3400), "2009-04-01", "2009-06-30", "r"),
					held(3, "techdata", "p", "C3", Euros(2000), "2009-04-01", "2009-06-30", "r"),
					held(4, "techdata", "p", "C5", Euros(1000), "2009-04-01", "2009-06-30", "r"),
					held(5, "techdata", "q", "C5", Euros(2000), "2009-04-01", "2009-06-30", "r"),
					held(6, "etc", "q", "C6", Euros(2000), "2009-04-01", "2009-06-30", "r"))
			}(),
			wantLines: []LineChange{
				change(held(6, "etc", "q", "C6", Euros(2000), "2009-04-01", "2009-06-30", "r"), Unchanged, ""),
				change(held(1, "techdata", "p", "C1", Euros(3400), "2009-04-01", "2009-06-30", "r"), Unchanged, ""),
				change(held(2, "techdata", "p", "C2", Euros(3400), "2009-04-01", "2009-06-30", "r"), Unchanged, ""),
				change(held(3, "techdata", "p", "C3", Euros(2000), "2009-04-01", "2009-06-30", "r"), Unchanged, ""),
				change(held(4, "techdata", "p", "C5", Euros(1000), "2009-04-01", "2009-06-30", "r"), Unchanged, ""),
				change(held(5, "techdata", "q", "C5", Euros(2000), "2009-04-01", "2009-06-30", "r"), Unchanged, ""),
			},
			wantDisc: []Discrepancy{
				{Wholesaler: "techdata", Kind: OverApplied, ResellerID: "C2", ExpectedCents: Euros(3400), ActualCents: Euros(5000)},
				{Wholesaler: "techdata", Kind: UnderApplied, ResellerID: "C3", ExpectedCents: Euros(2000), ActualCents: 0},
				{Wholesaler: "techdata", Kind: OverApplied, ResellerID: "C4", ExpectedCents: 0, ActualCents: Euros(1000)},
			},
		},
		{
			name: "applied_line not mapped: no comparison",
			in: input("2009-05-04", feed("techdata", []Account{applied(account("C1", active, 0, 0), Euros(1000))})).
				with(held(1, "techdata", "p", "C1", Euros(3400), "2009-04-01", "2009-06-30", "r")),
			wantLines: []LineChange{change(held(1, "techdata", "p", "C1", Euros(3400), "2009-04-01", "2009-06-30", "r"), Unchanged, "")},
		},
		{
			name: "terminated account still applying a revoked line is over_applied",
			in: func() Input {
				f := feed("actebis", []Account{applied(account("C1", terminated, 0, 0), Euros(3400))})
				f.AppliedLineMapped = true
				return input("2009-05-04", f).with(held(7, "actebis", "mezzanine", "C1", Euros(3400), "2009-04-06", "2009-06-30", "earlier"))
			}(),
			wantLines: []LineChange{change(held(7, "actebis", "mezzanine", "C1", Euros(3400), "2009-04-06", "2009-06-30", ""), Withdrawn, "reseller terminated at the wholesaler; line revoked")},
			wantDisc:  []Discrepancy{{Wholesaler: "actebis", Kind: OverApplied, ResellerID: "C1", ExpectedCents: 0, ActualCents: Euros(3400)}},
		},
		{
			name: "valid line of a reseller absent from the latest export",
			in: input("2009-05-04", feed("actebis", []Account{account("C1", active, Euros(9000), Euros(9000))})).
				with(held(7, "actebis", "mezzanine", "C1", Euros(3400), "2009-04-06", "2009-06-30", "r"),
					held(8, "actebis", "mezzanine", "C9", Euros(2000), "2009-04-06", "2009-06-30", "r"),
					held(9, "actebis", "other", "C9", Euros(1000), "2009-04-06", "2009-06-30", "r"),
					held(10, "techdata", "other", "C9", Euros(1000), "2009-04-06", "2009-06-30", "r")),
			wantLines: []LineChange{
				change(held(7, "actebis", "mezzanine", "C1", Euros(3400), "2009-04-06", "2009-06-30", "r"), Unchanged, ""),
				change(held(8, "actebis", "mezzanine", "C9", Euros(2000), "2009-04-06", "2009-06-30", "r"), Unchanged, ""),
				change(held(9, "actebis", "other", "C9", Euros(1000), "2009-04-06", "2009-06-30", "r"), Unchanged, ""),
				change(held(10, "techdata", "other", "C9", Euros(1000), "2009-04-06", "2009-06-30", "r"), Unchanged, ""),
			},
			wantDisc: []Discrepancy{
				{Wholesaler: "actebis", Kind: MissingAccount, ResellerID: "C9", Program: "mezzanine", ExpectedCents: Euros(2000)},
				{Wholesaler: "actebis", Kind: MissingAccount, ResellerID: "C9", Program: "other", ExpectedCents: Euros(1000)},
			},
		},
		{
			name: "input lines that are not valid are not the run's business",
			in: func() Input {
				l := held(1, "ingram", "p", "C1", Euros(100), "2009-01-01", "2009-12-31", "r")
				l.State = Revoked
				return input("2009-05-04").with(l)
			}(),
		},
		{
			name: "wholesaler not covered by a program gets no line",
			in: input("2009-05-04", feed("techdata", []Account{account("C1", active, Euros(9000), Euros(20000))},
				order("O-1", "C1", "2009-04-02", "Office Pro", "OEM", Euros(1200)))),
		},
		{
			name: "lines of a wholesaler without a feed stay, or expire",
			in: input("2009-05-04").with(
				held(1, "ingram", "p", "C1", Euros(100), "2009-01-01", "2009-05-03", "r"),
				held(2, "ingram", "p", "C2", Euros(100), "2009-01-01", "2009-12-31", "r")),
			wantLines: []LineChange{
				change(held(1, "ingram", "p", "C1", Euros(100), "2009-01-01", "2009-05-03", "r"), Ended, "ended on 2009-05-03"),
				change(held(2, "ingram", "p", "C2", Euros(100), "2009-01-01", "2009-12-31", "r"), Unchanged, ""),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Evaluate(tt.in)
			checkLines(t, got.Lines, tt.wantLines)
			checkDiscrepancies(t, got.Discrepancies, tt.wantDisc)
		})
	}
}

func checkLines(t *testing.T, got, want []LineChange) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("lines:\n got %s\nwant %s", dumpLines(got), dumpLines(want))
	}
}

func dumpLines(ls []LineChange) string {
	var b strings.Builder
	for _, l := range ls {
		fmt.Fprintf(&b, "\n  {id=%d %s/%s/%s %s %s..%s state=%s status=%s expiring=%v %q}",
			l.ID, l.Wholesaler, l.Program, l.ResellerID, l.Amount, l.ValidFrom, l.ValidUntil, l.State, l.Status, l.Expiring, l.Reason)
	}
	return b.String()
}

func checkDiscrepancies(t *testing.T, got, want []Discrepancy) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("discrepancies:\n got %+v\nwant %+v", got, want)
	}
}

func TestEvaluateSeen(t *testing.T) {
	in := input("2009-04-06",
		etcC1Feed(order("O-2", "C1", "2009-04-02", "Office Pro", "OEM", Euros(1200)),
			order("O-1", "C1", "2009-04-01", "Office Pro", "OEM", Euros(100)),
			order("O-2", "C1", "2009-04-02", "Office Std", "OEM", Euros(100))),
		feed("actebis", nil, order("O-1", "C1", "2009-04-01", "Windows", "OEM", Euros(100))),
	).seen(OrderKey{"etc", "O-1"})
	got := Evaluate(in).Seen
	want := []OrderKey{{"actebis", "O-1"}, {"etc", "O-1"}, {"etc", "O-2"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("seen = %v, want %v", got, want)
	}
}

func etcC1Feed(orders ...Order) Feed {
	return feed("etc", []Account{account("C1", active, Euros(10000), Euros(2000))}, orders...)
}

func TestEvaluateEmptyOutcomeIsNotNil(t *testing.T) {
	got := Evaluate(Input{AsOf: MustDate("2009-05-04")})
	if got.Lines == nil || got.Discrepancies == nil || got.Seen == nil {
		t.Errorf("Evaluate returned nil slices (run.json would say null): %+v", got)
	}
}

// TestEvaluateDoesNotMutateInput runs a case touching every rule on
// input shared with a deep copy and compares them afterwards.
func TestEvaluateDoesNotMutateInput(t *testing.T) {
	build := func() Input {
		act := feed("actebis", []Account{
			applied(account("C1", active, Euros(9000), Euros(12950)), Euros(1)),
			account("C2", terminated, Euros(9000), Euros(20000)),
			account("C3", active, Euros(9000), Euros(10000)),
		}, financed("F-1", "C1", "2009-04-20 00:00:00", ""))
		act.AppliedLineMapped = true
		etc := etcC1Feed(
			order("O-2", "C1", "2009-04-02", "Office Pro", "OEM", Euros(1200)),
			order("O-1", "C1", "2009-03-15", "Office Pro", "OEM", Euros(1200)))
		return input("2009-05-04", act, etc).with(
			held(1, "actebis", "mezzanine", "C1", Euros(3400), "2009-04-06", "2009-06-30", "r1"),
			held(2, "actebis", "mezzanine", "C2", Euros(3400), "2009-04-06", "2009-06-30", "r2"),
			held(3, "etc", "oem-office", "C1", Euros(5000), "2009-01-02", "2009-07-01", "r3"),
			held(4, "ingram", "p", "C1", Euros(5000), "2009-01-02", "2009-05-01", "r4"),
			held(5, "actebis", "mezzanine", "C9", Euros(5000), "2009-01-02", "2009-06-30", "r5"),
		)
	}
	in, pristine := build(), build()
	out := Evaluate(in)
	if len(out.Lines) == 0 || len(out.Discrepancies) == 0 {
		t.Fatalf("the case should exercise the rules: %+v", out)
	}
	// Funcs never compare equal; Seen is read-only by nature.
	in.Seen, pristine.Seen = nil, nil
	if !reflect.DeepEqual(in, pristine) {
		t.Errorf("Evaluate mutated its input:\n got %+v\nwant %+v", in, pristine)
	}
}

func TestAddMonths(t *testing.T) {
	tests := []struct {
		from   string
		months int
		want   string
	}{
		{"2009-03-15", 6, "2009-09-15"},
		{"2009-08-31", 6, "2010-02-28"},
		{"2011-08-31", 6, "2012-02-29"},
		{"2009-01-31", 1, "2009-02-28"},
		{"2009-10-31", 3, "2010-01-31"},
		{"2009-03-31", -1, "2009-02-28"},
		{"2009-05-04", 0, "2009-05-04"},
		{"2009-05-04", 24, "2011-05-04"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s+%d", tt.from, tt.months), func(t *testing.T) {
			if got := MustDate(tt.from).AddMonths(tt.months).String(); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestCeilTo(t *testing.T) {
	tests := []struct{ c, step, want Cents }{
		{Euros(3340), Euros(100), Euros(3400)},
		{Euros(3400), Euros(100), Euros(3400)},
		{1, Euros(100), Euros(100)},
		{Euros(3340), Euros(500), Euros(3500)},
		{Euros(3340), 0, Euros(3340)},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d/%d", tt.c, tt.step), func(t *testing.T) {
			if got := tt.c.CeilTo(tt.step); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

// BenchmarkEvaluate measures a large wholesaler: a million accounts (one in
// ten over its insured limit, one in fifty terminated), a hundred thousand
// order lines and fifty thousand lines already held.
func BenchmarkEvaluate(b *testing.B) {
	const (
		nAccounts = 1_000_000
		nOrders   = 100_000
		nHeld     = 50_000
	)
	programs := []Program{mezzanine, oemOffice, msFinancing}
	for i := range programs {
		programs[i].Wholesalers = []string{"*"}
	}
	f := Feed{Wholesaler: "actebis", AppliedLineMapped: true,
		Accounts: make([]Account, nAccounts), Statuses: make(map[string]Status, nAccounts)}
	ids := make([]string, nAccounts)
	for i := range f.Accounts {
		ids[i] = fmt.Sprintf("C%07d", i)
		a := Account{ResellerID: ids[i], Status: Active, InsuredLimit: Euros(10000), Outstanding: Euros(5000)}
		if i%10 == 0 {
			a.Outstanding = Euros(10000 + int64(i%7000))
		}
		if i%50 == 1 {
			a.Status = Terminated
		}
		f.Accounts[i] = a
		f.Statuses[a.ResellerID] = a.Status
	}
	start := MustDate("2009-04-01")
	f.Orders = make([]Order, nOrders)
	for i := range f.Orders {
		o := Order{OrderID: fmt.Sprintf("O%06d", i/2), ResellerID: ids[(i/2*7)%nAccounts],
			Date: start.AddDays(i % 30), Product: "Office Pro 2007", Category: "OEM", Amount: Euros(int64(300 + i%900))}
		if i%20 == 0 {
			o.Payment = "Microsoft Financing"
			o.FinancingAcceptedAt = o.Date.Time(paris)
			if i%40 == 0 {
				o.FinancingPaidAt = o.FinancingAcceptedAt.Add(time.Duration(i%96) * time.Hour)
			}
		}
		f.Orders[i] = o
	}
	lines := make([]Line, nHeld)
	for i := range lines {
		lines[i] = Line{ID: int64(i + 1), Wholesaler: "actebis", Program: "mezzanine", ResellerID: ids[i*20],
			Amount: Euros(1000), ValidFrom: MustDate("2009-03-02"), ValidUntil: MustDate("2009-06-30"), State: Valid, Reason: "r"}
	}
	asOf := MustDate("2009-05-04")
	in := Input{AsOf: asOf, AsOfInstant: asOf.Time(paris), ExpiringWithinDays: 30,
		Programs: programs, Lines: lines, Feeds: []Feed{f},
		Seen: func(k OrderKey) bool { return k.OrderID < "O001000" }}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		out := Evaluate(in)
		if len(out.Lines) == 0 {
			b.Fatal("no lines")
		}
	}
}
