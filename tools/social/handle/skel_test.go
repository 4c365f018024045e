package handle

// skeleton is a folded Arabic word without its dots (its rasm): two words
// with the same skeleton differ only in dots, and are easily misread.
func skeleton(s string) string {
	r := []rune(s)
	for i, c := range r {
		switch c {
		case 'ب', 'ت', 'ث', 'ن', 'ي', 'ى', 'ئ':
			r[i] = 'ب'
		case 'ج', 'ح', 'خ':
			r[i] = 'ح'
		case 'د', 'ذ':
			r[i] = 'د'
		case 'ر', 'ز':
			r[i] = 'ر'
		case 'س', 'ش':
			r[i] = 'س'
		case 'ص', 'ض':
			r[i] = 'ص'
		case 'ط', 'ظ':
			r[i] = 'ط'
		case 'ع', 'غ':
			r[i] = 'ع'
		case 'ف', 'ق':
			r[i] = 'ف'
		case 'ه', 'ة':
			r[i] = 'ه'
		case 'أ', 'إ', 'آ':
			r[i] = 'ا'
		case 'ؤ':
			r[i] = 'و'
		}
	}
	return string(r)
}

// lev is the edit distance of a and b, in runes.
func lev(a, b string) int {
	x, y := []rune(a), []rune(b)
	prev := make([]int, len(y)+1)
	cur := make([]int, len(y)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur[0] = i
		for j := 1; j <= len(y); j++ {
			c := prev[j-1]
			if x[i-1] != y[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(y)]
}
