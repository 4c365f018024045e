package browsertest

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeSource is axe-core, Deque's accessibility rules engine, vendored as a
// test asset (axe/README.md says which version and how to update it).
//
//go:embed axe/axe.min.js
var axeSource string

// AxeViolation is one rule axe-core found broken on a page, with the
// elements that break it.
type AxeViolation struct {
	// ID is the rule, such as "color-contrast" or "label".
	ID string `json:"id"`
	// Impact is "minor", "moderate", "serious" or "critical".
	Impact string `json:"impact"`
	// Help says what the rule asks, in a sentence.
	Help string `json:"help"`
	// HelpURL explains the rule at length.
	HelpURL string `json:"helpUrl"`
	// Nodes are the elements that break it.
	Nodes []AxeNode `json:"nodes"`
}

// AxeNode is one element that breaks a rule.
type AxeNode struct {
	// Target is the CSS selector of the element (several for frames and
	// shadow roots).
	Target json.RawMessage `json:"target"`
	// HTML is the element's start tag, shortened by axe.
	HTML string `json:"html"`
	// FailureSummary says what to fix.
	FailureSummary string `json:"failureSummary"`
}

// Serious reports whether the violation's impact is serious or critical.
func (v AxeViolation) Serious() bool { return v.Impact == "serious" || v.Impact == "critical" }

// String gives the rule, its impact, how many elements and the first one.
func (v AxeViolation) String() string {
	s := fmt.Sprintf("%s (%s, %d elements): %s", v.ID, v.Impact, len(v.Nodes), v.Help)
	if len(v.Nodes) > 0 {
		s += fmt.Sprintf("; first %s %s: %s", v.Nodes[0].Target, v.Nodes[0].HTML, strings.ReplaceAll(v.Nodes[0].FailureSummary, "\n", " "))
	}
	return s
}

// Axe runs axe-core's WCAG 2.x A and AA rules, and its best practices, on
// the page in the tab ctx and returns what it found broken. It injects the
// engine through DevTools, so the page's Content-Security-Policy does not
// stop it and the page's own scripts (or their absence) do not matter.
func Axe(t testing.TB, ctx context.Context) []AxeViolation {
	t.Helper()
	Run(t, ctx, chromedp.Evaluate[bool](`typeof window.axe === "object" || (function(){`+axeSource+`
;return true})()`))
	raw := Run(t, ctx, chromedp.Evaluate[string](`axe.run(document, {
	runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
	resultTypes: ["violations"]
}).then(r => JSON.stringify(r.violations))`, chromedp.EvalAwaitPromise))
	var out []AxeViolation
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		t.Fatalf("browsertest: axe-core's result: %v", err)
	}
	return out
}

// PageWidth gives how wide the page's content is (the document's scroll
// width) and how wide its viewport is, in CSS pixels: a page wider than
// its viewport scrolls sideways.
func PageWidth(t testing.TB, ctx context.Context) (content, viewport int) {
	t.Helper()
	w := Run(t, ctx, chromedp.Evaluate[[]int](`[document.documentElement.scrollWidth, document.documentElement.clientWidth]`))
	return w[0], w[1]
}

// SmallTargets lists the visible controls of the page in the tab ctx whose
// box is smaller than min×min CSS pixels: buttons, form fields, summaries
// and links, but not links inside a sentence (WCAG 2.5.8's inline
// exception: a link in running text is as tall as its line). A checkbox or
// radio button inside its label counts the label's box. Each entry is the
// element's start tag and its size.
func SmallTargets(t testing.TB, ctx context.Context, min int) []string {
	t.Helper()
	return Run(t, ctx, chromedp.Evaluate[[]string](fmt.Sprintf(`(function(min){
	const out = [];
	const inSentence = a => {
		if (getComputedStyle(a).display !== "inline") return false;
		const p = a.parentElement;
		return p && p.textContent.trim().length > a.textContent.trim().length;
	};
	for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]')) {
		if (el.closest('[hidden], .visually-hidden, .skip')) continue;
		let box = el;
		if ((el.type === "checkbox" || el.type === "radio") && el.closest("label")) box = el.closest("label");
		if (el.type === "file" && el.closest("label")) box = el.closest("label");
		const r = box.getBoundingClientRect();
		if (r.width === 0 && r.height === 0) continue;
		if (getComputedStyle(el).visibility === "hidden") continue;
		if (el.tagName === "A" && inSentence(el)) continue;
		if (r.width < min - 0.5 || r.height < min - 0.5) {
			out.push(el.outerHTML.replace(/>[\s\S]*$/, ">").slice(0, 120) + " " + Math.round(r.width) + "x" + Math.round(r.height));
		}
	}
	return out;
})(%d)`, min)))
}

// Viewport makes the tab's viewport width×height CSS pixels, as a phone's
// (390×844 is a common one), with a device scale of 1 and touch off, and
// reloads nothing: navigate after it, or reload, for a page to lay out
// again from its start.
func Viewport(width, height int64) chromedp.Action[chromedp.Void] {
	return chromedp.EmulateViewport(width, height)
}
