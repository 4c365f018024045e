package main

import (
	"encoding/json"
	"strings"

	"github.com/hamsnet/hams/tools/social/feed"
)

// vectorsEdit returns the vectors of a post's edited time and content
// warning (1.1; S33, S34, and S8, S12 where they concern them). It draws
// no keys; a key it needs one day comes from the random source after
// every key of vectors11.
func vectorsEdit(baseDoc, post3 string) []Vector {
	q := func(s string) string { return string(must(json.Marshal(s))) }
	base := mut(baseDoc, `"version":"1.0"`, `"version":"1.1"`)
	// withPost puts fields between post 3's time and text (the canonical
	// place of edited and warning) in base (version 1.1).
	withPost := func(fields string) string {
		return mut(base, post3, `{"n":3,"time":"2026-12-05T09:00:00Z",`+fields+`,"text":"مرحبا"}`)
	}
	edited := func(t string) string { return withPost(`"edited":` + q(t)) }
	warning := func(w string) string { return withPost(`"warning":` + w) }

	var vs []Vector
	parse := func(name, desc string, ed int64, doc string) {
		vs = append(vs, Vector{Name: "parse-" + name, Description: desc, Op: "parse", Edition: ed, Doc: doc})
	}
	rej := func(rule, name, desc string, doc string) {
		vs = append(vs, Vector{Name: "reject-" + rule + "-" + name, Description: desc, Op: "reject", Rule: rule, Edition: 12, Doc: doc})
	}
	parse("v11-edited-warning", "version 1.1: an edited post, a post with a content warning (Arabic, hiding its text and images), "+
		"an edited post with a warning in English, and a post with neither", 15, enc(&feed.Doc{
		Edition: 15, Time: ts("2026-12-08T10:00:00Z"), Profile: feed.Profile{Name: "ليلى"},
		Posts: []feed.Post{
			{N: 9, Time: ts("2026-12-08T09:00:00Z"), Edited: ts("2026-12-08T09:45:30Z"), Text: "صباح الخير (بعد التصحيح)"},
			{N: 8, Time: ts("2026-12-08T08:00:00Z"), Warning: "حرق لأحداث المسلسل", Text: "في الحلقة الأخيرة يموت البطل",
				Images: []string{chk("photo 1: the sea at Beirut")}},
			{N: 7, Time: ts("2026-12-07T08:00:00Z"), Edited: ts("2026-12-08T07:00:00Z"), Warning: "Spoilers: \u200fالمسلسل\u200f, episode 9",
				Text: "The hero dies."},
			{N: 6, Time: ts("2026-12-07T07:00:00Z"), Text: "بلا تعديل"},
		}}))
	parse("v11-edited-same-time", "a post edited in the second it was written: edited equal to time is allowed", 12, edited("2026-12-05T09:00:00Z"))
	parse("v11-max-warning", "a content warning of exactly 100 code points (Arabic, 200 bytes)", 12, warning(q(repeatRunes("تنبيه ", 100))))
	parse("v11-edited-noncanonical", `warning and edited after text, with escapes (\u062d for ح) and white space; the canonical form puts them between time and text`, 12,
		mut(base, post3, `{"n":3,"time":"2026-12-05T09:00:00Z","text":"مرحبا", "warning" : "\u062dرق" , "edited":"2026-12-06T00:00:00Z" }`))
	parse("v10-ignores-edited-warning", "version 1.0 with edited before the post's time and an empty warning: a 1.0 document has no such "+
		"fields, so they are unknown fields and ignored; the canonical form drops them and stays 1.0", 12,
		mut(baseDoc, post3, `{"n":3,"time":"2026-12-05T09:00:00Z","edited":"2026-12-04T00:00:00Z","warning":"","text":"مرحبا"}`))

	rej("S33", "edited-before", "a post edited one second before it was written", edited("2026-12-05T08:59:59Z"))
	rej("S33", "edited-1970", "a post edited in 1970", edited("1970-01-01T00:00:00Z"))
	rej("S34", "empty", "an empty warning (no warning is no warning field)", warning(`""`))
	rej("S34", "long", "a warning of 101 code points", warning(q(repeatRunes("تنبيه ", 101))))
	rej("S34", "newline", "a warning with a newline (a warning is one line)", warning(`"حرق\nللأحداث"`))
	rej("S34", "tab", "a warning with a tab", warning(`"a\tb"`))
	rej("S34", "c1", "a warning with U+0085 (NEL, a C1 control)", warning(`"a\u0085b"`))
	rej("S12", "edited-offset", "an edited time with an offset instead of Z", edited("2026-12-05T10:00:00+01:00"))
	rej("S12", "edited-year-10000", "an edited time after 9999-12-31T23:59:59Z", edited("10000-01-01T00:00:00Z"))
	rej("S8", "edited-number", "edited as a number (Unix seconds)", withPost(`"edited":1796547600`))
	rej("S8", "edited-null", "edited null (a post never edited has no edited field)", withPost(`"edited":null`))
	rej("S8", "warning-array", "a warning as an array of strings", warning(`["حرق"]`))
	if strings.Count(base, `"version":"1.1"`) != 1 {
		panic("socialvectors: the 1.1 base document is not what vectorsEdit expects")
	}
	return vs
}
