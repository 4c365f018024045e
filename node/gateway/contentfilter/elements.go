package contentfilter

import "strings"

// globalAttrs are the attributes every allowed element keeps (style goes
// through the CSS filter, F21).
var globalAttrs = []string{"id", "class", "title", "lang", "dir", "style"}

// urlAttrs are the attributes whose value is a URL, with the context that
// decides what an external URL becomes (F8). srcset is a list (F17).
var urlAttrs = map[string]urlContext{
	"href": anchor, "src": inline, "cite": inline, "background": inline,
	"usemap": inline, "longdesc": inline,
}

// elements is the allow-list of elements and, per element, the attributes
// it keeps besides globalAttrs (F6). Elements not here lose their tags but
// keep their content, unless dropContent lists them. It follows fred's
// HTMLFilter, without forms (F19) and media (F20).
var elements = map[string][]string{
	"html": nil, "head": nil, "title": nil, "body": {"bgcolor", "text", "link", "vlink", "alink", "background"},
	"div": {"align"}, "p": {"align"}, "caption": {"align"},
	"h1": {"align"}, "h2": {"align"}, "h3": {"align"}, "h4": {"align"}, "h5": {"align"}, "h6": {"align"},
	"abbr": nil, "acronym": nil, "address": nil, "article": nil, "aside": nil, "b": nil, "bdi": nil,
	"bdo": nil, "big": nil, "center": nil, "cite": nil, "code": nil, "dd": nil, "details": {"open"},
	"dfn": nil, "dt": nil, "em": nil, "fieldset": nil, "figcaption": nil, "figure": nil, "footer": nil,
	"header": nil, "hgroup": nil, "i": nil, "kbd": nil, "listing": nil, "main": nil, "mark": nil,
	"nav": nil, "rp": nil, "rt": nil, "ruby": nil, "s": nil, "samp": nil, "section": nil, "small": nil,
	"span": nil, "strike": nil, "strong": nil, "sub": nil, "summary": nil, "sup": nil, "tt": nil,
	"u": nil, "var": nil, "wbr": nil, "nobr": nil, "dl": nil, "dir": nil, "menu": nil,
	"a":          {"href", "name", "hreflang", "type"},
	"area":       {"href", "alt", "shape", "coords", "nohref"},
	"map":        {"name"},
	"img":        {"src", "srcset", "sizes", "alt", "width", "height", "border", "align", "hspace", "vspace", "usemap", "ismap"},
	"blockquote": {"cite"}, "q": {"cite"}, "del": {"cite", "datetime"}, "ins": {"cite", "datetime"},
	"br": {"clear"}, "hr": {"align", "size", "width", "noshade", "color"},
	"pre": {"width"}, "font": {"color", "face", "size"}, "basefont": {"color", "face", "size"},
	"ol": {"start", "type", "reversed"}, "ul": {"type", "compact"}, "li": {"value", "type"},
	"table": {"border", "cellpadding", "cellspacing", "width", "align", "bgcolor", "summary", "frame", "rules", "background"},
	"thead": {"align", "valign"}, "tbody": {"align", "valign"}, "tfoot": {"align", "valign"},
	"tr":       {"align", "valign", "bgcolor", "background"},
	"td":       {"colspan", "rowspan", "align", "valign", "width", "height", "bgcolor", "nowrap", "headers", "scope", "abbr", "background"},
	"th":       {"colspan", "rowspan", "align", "valign", "width", "height", "bgcolor", "nowrap", "headers", "scope", "abbr", "background"},
	"col":      {"span", "width", "align", "valign"},
	"colgroup": {"span", "width", "align", "valign"},
	"time":     {"datetime"}, "data": {"value"},
	"meter": {"value", "min", "max", "low", "high", "optimum"}, "progress": {"value", "max"},
	"input":    {"type", "name", "value", "size", "maxlength", "checked", "disabled", "readonly", "placeholder", "alt", "min", "max", "step", "multiple"},
	"button":   {"type", "name", "value", "disabled"},
	"select":   {"name", "size", "multiple", "disabled"},
	"option":   {"value", "selected", "disabled", "label"},
	"optgroup": {"label", "disabled"},
	"textarea": {"name", "rows", "cols", "disabled", "readonly", "placeholder", "wrap", "maxlength"},
	"label":    {"for"}, "legend": {"align"},
	"iframe":   {"src", "name", "width", "height", "frameborder", "scrolling", "marginwidth", "marginheight", "align"},
	"frameset": {"rows", "cols", "border", "frameborder"},
	"frame":    {"src", "name", "frameborder", "scrolling", "noresize", "marginwidth", "marginheight"},
	"style":    {"media"},
	"link":     {"rel", "href", "type", "media"},
	"meta":     {"name", "content", "http-equiv", "charset"},
}

// dropContent are the elements removed with everything inside them (F7):
// scripts, plug-ins, inert templates, foreign content (SVG and MathML can
// hold scripts and are tokenized differently) and the raw-text fallbacks.
var dropContent = map[string]bool{
	"script": true, "object": true, "applet": true, "template": true, "svg": true,
	"math": true, "noembed": true, "noframes": true,
}

// rawText are the elements whose content the tokenizer reads as raw text
// or RCDATA; written self-closing (<title/>) they are dropped, since a
// browser would still switch to raw text after them (F22).
var rawText = map[string]bool{
	"iframe": true, "noembed": true, "noframes": true, "noscript": true, "plaintext": true,
	"script": true, "style": true, "textarea": true, "title": true, "xmp": true,
}

// voidElements have no end tag; an end tag of one is dropped.
var voidElements = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true,
	"input": true, "link": true, "meta": true, "param": true, "source": true, "track": true,
	"wbr": true, "frame": true, "basefont": true,
}

// metaNames are the <meta name> values kept (F24); the others may mean
// something to a browser (referrer, color-scheme…), so they go.
var metaNames = map[string]bool{"author": true, "description": true, "keywords": true, "generator": true, "viewport": true}

// linkRels are the <link rel> tokens kept (F23); a link needs stylesheet
// or icon among them. Every other relation (prefetch, preconnect,
// dns-prefetch, preload, import…) makes the browser fetch or connect.
var linkRels = map[string]bool{"stylesheet": true, "icon": true, "shortcut": true, "alternate": true}

// allowedAttr reports whether element name keeps attribute attr.
func allowedAttr(name, attr string) bool {
	for _, a := range globalAttrs {
		if a == attr {
			return true
		}
	}
	for _, a := range elements[name] {
		if a == attr {
			return true
		}
	}
	return false
}

// relTokens returns the lower-cased tokens of a rel value and whether a
// link with it may stay.
func relTokens(v string) (string, bool) {
	toks := strings.Fields(strings.ToLower(v))
	ok := false
	for _, t := range toks {
		if !linkRels[t] {
			return "", false
		}
		if t == "stylesheet" || t == "icon" {
			ok = true
		}
	}
	return strings.Join(toks, " "), ok
}
