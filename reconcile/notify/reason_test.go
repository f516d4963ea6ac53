package notify

import "testing"

func TestLocalReason(t *testing.T) {
	tests := []struct{ lang, in, want string }{
		{"fr", "outstanding 12 340,00 € exceeds insured limit 9 000,00 € by 3 340,00 €",
			"encours de 12 340,00 € supérieur à la limite assurée de 9 000,00 € : dépassement de 3 340,00 €"},
		{"fr", "outstanding 22 500,00 € exceeds insured limit 10 000,00 € by 12 500,00 €; capped at 5 000,00 €",
			"encours de 22 500,00 € supérieur à la limite assurée de 10 000,00 € : dépassement de 12 500,00 € ; ligne plafonnée à 5 000,00 €"},
		{"fr", "outstanding 22 720,00 € exceeds insured limit 20 000,00 € by 2 720,00 €; line raised from 1 300,00 € to 2 800,00 €",
			"encours de 22 720,00 € supérieur à la limite assurée de 20 000,00 € : dépassement de 2 720,00 € ; ligne relevée de 1 300,00 € à 2 800,00 €"},
		{"fr", "order O-09-2008 of 2009-04-22: 1 100,00 € of OEM Office products (threshold 1 000,00 €); line of 5 000,00 € for 6 months; extended from 2009-09-15 to 2009-10-21",
			"commande O-09-2008 du 22/04/2009 : 1 100,00 € de produits OEM Office (seuil 1 000,00 €) ; ligne de 5 000,00 € pour 6 mois ; prolongée du 15/09/2009 au 21/10/2009"},
		{"fr", "ended on 2009-04-20", "échue le 20/04/2009"},
		{"fr", "reseller terminated at the wholesaler; line revoked", "revendeur radié chez le grossiste ; ligne révoquée"},
		// An unknown phrasing stays whole, in English, dates localised.
		{"fr", "something new on 2009-04-20; line revoked", "something new on 20/04/2009; line revoked"},
		{"en", "ended on 2009-04-20", "ended on 20 Apr 2009"},
		{"en", "outstanding 12 340,00 € exceeds insured limit 9 000,00 € by 3 340,00 €",
			"outstanding €12,340.00 exceeds insured limit €9,000.00 by €3,340.00"},
		{"en", "outstanding -1 234 567,05 € exceeds insured limit 0,00 € by 5,00 €",
			"outstanding -€1,234,567.05 exceeds insured limit €0.00 by €5.00"},
		{"fr", "", ""},
	}
	for _, tt := range tests {
		if got := LocalReason(tt.lang, tt.in); got != tt.want {
			t.Errorf("LocalReason(%s, %q)\n got %q\nwant %q", tt.lang, tt.in, got, tt.want)
		}
	}
}
