package handle_test

import (
	"fmt"

	"github.com/hamsnet/hams/tools/social/handle"
)

func Example() {
	h, err := handle.Of("USK@nG2K1S8Q8Sy3eLEHipBMmRe58Yn6R93dOA~D0-F1f~c,VfJ-fWa3E1fGs7YUQV6UrhCSvDHL98fjrGXozfne6Dg,AQABAAE/hams-social/0")
	if err != nil {
		panic(err)
	}
	fmt.Println(h.In(handle.English))
	fmt.Println(h.In(handle.Arabic))
	typed, _ := handle.Parse(h.In(handle.Arabic))
	fmt.Println(typed == h)
	// Output:
	// wool rain column sparrow statue fork
	// صوف مطر عمود عصفور تمثال شوكة
	// true
}
