package engine

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"contactsync/engine/contact"
)

// An Applier finds the patch Apply finds, for records in input order (its
// use), repeated, skipped, and out of order.
func TestApplierIsApply(t *testing.T) {
	o := &OutlookOutput{Fields: []contact.Field{contact.JobTitle}}
	o.Patches = append(o.Patches, Patch{Record: -1, Key: "none"}, Patch{Record: -1, Key: "none2"})
	for r := 0; r < 500; r += 1 + r%5 {
		o.Patches = append(o.Patches, Patch{Record: r, Key: "K" + strconv.Itoa(r), Set: []Setting{{Field: contact.JobTitle, Value: "t" + strconv.Itoa(r)}}})
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	orders := [][]int{nil, nil, nil}
	for i := range 520 {
		orders[0] = append(orders[0], i)
		orders[1] = append(orders[1], i, i)
		if rnd.IntN(3) > 0 {
			orders[2] = append(orders[2], i)
		}
	}
	var random []int
	for range 2000 {
		random = append(random, rnd.IntN(530)-5)
	}
	orders = append(orders, random)
	for n, order := range orders {
		a := o.Applier()
		for _, i := range order {
			var c1, c2 contact.Contact
			c1.Values[contact.JobTitle], c2.Values[contact.JobTitle] = " x ", " x "
			p1, p2 := o.Apply(i, &c1), a.Apply(i, &c2)
			if p1 != p2 || c1.Key != c2.Key || c1.Values != c2.Values {
				t.Fatalf("order %d, record %d: Applier gave %v (%q), Apply %v (%q)", n, i, p2, c2.Values[contact.JobTitle], p1, c1.Values[contact.JobTitle])
			}
		}
	}
}
