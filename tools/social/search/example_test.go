package search_test

import (
	"fmt"

	"github.com/hamsnet/hams/tools/social/search"
)

func Example() {
	x := search.NewIndex()
	x.SetPerson("USK@a", "أحمد")
	x.SetPerson("USK@b", "فاطمة")
	x.SetPosts("USK@b", []search.Post{{N: 1, Text: "صباح الخير #غزة", Time: 1}})

	hits, _ := x.Search("احمد", 10, nil) // typed without the hamza
	fmt.Println(hits[0].Key, hits[0].Name)
	hits, _ = x.Search("#غزه", 10, nil) // taa marbuta typed as heh
	fmt.Println(hits[0].Key, hits[0].N)
	fmt.Println(search.Fold("مُحَمَّد"), search.Fold("Émile"))
	// Output:
	// USK@a أحمد
	// USK@b 1
	// محمد emile
}
