package peerwire

import (
	"slices"
	"testing"
)

func TestFeatures(t *testing.T) {
	all := AllFeatures.Names()
	if !slices.IsSorted(all) || len(all) != 7 {
		t.Fatalf("AllFeatures.Names() = %v, want seven names in ascending order", all)
	}
	if got := ParseFeatures(all); got != AllFeatures {
		t.Fatalf("ParseFeatures(%v) = %v", all, got)
	}
	if got := ParseFeatures([]string{"offers", "swapping-v9", "zz"}); got != FeatureOffers {
		t.Fatalf("unknown names: ParseFeatures = %v, want offers alone", got)
	}
	if Features(0).Names() != nil || Features(0).String() != "none" {
		t.Fatal("the empty set has names")
	}
	for typ := byte(1); typ <= TypeInsertReply; typ++ {
		if Needs(typ) != 0 {
			t.Errorf("type %d (%s) needs %v; every node speaks 1 to 9", typ, TypeName(typ), Needs(typ))
		}
	}
	if Needs(TypePeerLocations) != FeaturePeerLocations || Needs(TypeOffer) != FeatureOffers {
		t.Fatal("PeerLocations and Offer need their features")
	}
	if TypeName(TypeOffer) != "Offer" || TypeName(TypePeerLocations) != "PeerLocations" || TypeName(200) != "type 200" {
		t.Fatalf("TypeName: %q %q %q", TypeName(TypeOffer), TypeName(TypePeerLocations), TypeName(200))
	}
	if !LegacyFeatures.Has(FeatureOffers | FeaturePeerLocations) {
		t.Fatal("nodes before negotiation spoke PeerLocations and Offer")
	}
}
