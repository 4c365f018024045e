package contentfilter

import (
	"bufio"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/tdewolff/parse/v2"
	"github.com/tdewolff/parse/v2/css"
)

// maxCSSDepth bounds the nesting of @media, @supports and @keyframes
// blocks; a deeper block is dropped (F37).
const maxCSSDepth = 8

// cssFunctions are the functions a declaration value may call (F31).
// Every other one (image(), image-set(), cross-fade(), element(), attr(),
// var(), env(), expression()…) drops its declaration: some load URLs
// from strings, some read values the filter cannot see. url() is handled
// by itself.
var cssFunctions = map[string]bool{}

func init() {
	for _, f := range strings.Fields(`rgb rgba hsl hsla hwb lab lch oklab oklch color color-mix
		calc min max clamp abs sign round mod rem sin cos tan asin acos atan atan2 pow sqrt hypot log exp
		linear-gradient radial-gradient conic-gradient repeating-linear-gradient
		repeating-radial-gradient repeating-conic-gradient -webkit-linear-gradient
		-moz-linear-gradient -webkit-radial-gradient -moz-radial-gradient
		translate translatex translatey translatez translate3d rotate rotatex rotatey rotatez
		rotate3d scale scalex scaley scalez scale3d skew skewx skewy matrix matrix3d perspective
		cubic-bezier steps linear local format tech rect inset circle ellipse polygon counter
		counters blur brightness contrast drop-shadow grayscale hue-rotate invert opacity
		saturate sepia minmax repeat fit-content`) {
		cssFunctions[f] = true
	}
}

// cssDenied are properties dropped whatever their value (F30): they bind
// scripts (behavior, -moz-binding) in old browsers.
var cssDenied = map[string]bool{"behavior": true, "-ms-behavior": true, "-moz-binding": true, "binding": true}

// cssBlockAtRules are the at-rules whose block holds rules and that are
// kept (F29); @font-face and @page hold declarations.
var cssBlockAtRules = map[string]bool{
	"media": true, "supports": true, "keyframes": true, "-webkit-keyframes": true, "-moz-keyframes": true,
}

type cssToken struct {
	tt   css.TokenType
	data string
}

// cssFilter rebuilds a style sheet, or a style attribute's declarations,
// from its tokens.
type cssFilter struct {
	toks []cssToken
	pos  int
	base string
}

// filterCSSDocument filters a text/css document (F26).
func filterCSSDocument(w io.Writer, r io.Reader, label, base string) error {
	dr, err := decoder(r, label)
	if err != nil {
		return err
	}
	b, err := io.ReadAll(dr)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	bw.WriteString(filterStyleSheet(string(b), base))
	return bw.Flush()
}

// filterStyleSheet returns the safe version of a style sheet.
func filterStyleSheet(s, base string) string {
	f := &cssFilter{toks: lexCSS(s), base: base}
	var b strings.Builder
	f.rules(&b, 0, false)
	return b.String()
}

// filterInlineCSS returns the safe version of a style attribute (F21).
func filterInlineCSS(s, base string) string {
	f := &cssFilter{toks: lexCSS(s), base: base}
	return f.declarations(true)
}

// lexCSS preprocesses s as a browser does (NUL to U+FFFD, newlines
// normalised, invalid UTF-8 replaced) and returns its tokens, comments,
// <!-- and --> turned into whitespace and whitespace runs merged (F27).
func lexCSS(s string) []cssToken {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.ContainsAny(s, "\x00\r\f") {
		s = strings.NewReplacer("\x00", "\uFFFD", "\r\n", "\n", "\r", "\n", "\f", "\n").Replace(s)
	}
	l := css.NewLexer(parse.NewInputString(s))
	toks := make([]cssToken, 0, len(s)/4+1)
	pos := 0 // tokens cover the input in order: slice s instead of copying
	for {
		tt, data := l.Next()
		var text string
		if end := pos + len(data); end <= len(s) && s[pos:end] == string(data) {
			text, pos = s[pos:end], end
		} else {
			text, pos = string(data), len(s)
		}
		switch tt {
		case css.ErrorToken:
			return toks
		case css.CommentToken, css.CDOToken, css.CDCToken, css.WhitespaceToken:
			if len(toks) > 0 && toks[len(toks)-1].tt == css.WhitespaceToken {
				continue
			}
			toks = append(toks, cssToken{css.WhitespaceToken, " "})
		default:
			toks = append(toks, cssToken{tt, text})
		}
	}
}

// readUntil returns the component values from f.pos up to, not
// including, a top-level token of one of the stop types (or the end), and
// whether every block in them is closed. f.pos is left at the stop token.
func (f *cssFilter) readUntil(stops ...css.TokenType) ([]cssToken, bool) {
	start := f.pos
	var stack []css.TokenType
	for ; f.pos < len(f.toks); f.pos++ {
		tt := f.toks[f.pos].tt
		if len(stack) == 0 {
			for _, s := range stops {
				if tt == s {
					return f.toks[start:f.pos], true
				}
			}
		}
		switch tt {
		case css.FunctionToken, css.LeftParenthesisToken:
			stack = append(stack, css.RightParenthesisToken)
		case css.LeftBracketToken:
			stack = append(stack, css.RightBracketToken)
		case css.LeftBraceToken:
			stack = append(stack, css.RightBraceToken)
		case css.RightParenthesisToken, css.RightBracketToken, css.RightBraceToken:
			if len(stack) > 0 && stack[len(stack)-1] == tt {
				stack = stack[:len(stack)-1]
			}
		}
	}
	return f.toks[start:f.pos], len(stack) == 0
}

// at reports whether the token at f.pos has type tt.
func (f *cssFilter) at(tt css.TokenType) bool {
	return f.pos < len(f.toks) && f.toks[f.pos].tt == tt
}

// skipBlock skips the block whose "{" is at f.pos, and its "}".
func (f *cssFilter) skipBlock() {
	f.pos++
	f.readUntil(css.RightBraceToken)
	f.pos++
}

// rules writes the rules from f.pos to the end, or, when nested, to the
// "}" that closes the block (consumed).
func (f *cssFilter) rules(b *strings.Builder, depth int, nested bool) {
	for f.pos < len(f.toks) {
		t := f.toks[f.pos]
		switch t.tt {
		case css.WhitespaceToken, css.SemicolonToken:
			f.pos++
			continue
		case css.RightBraceToken:
			f.pos++
			if nested {
				return
			}
			continue
		case css.AtKeywordToken:
			f.atRule(b, depth)
			continue
		}
		prelude, ok := f.readUntil(css.LeftBraceToken, css.RightBraceToken)
		if !f.at(css.LeftBraceToken) {
			continue // no block: not a rule (the "}" is handled above)
		}
		sel, pok := f.prelude(prelude)
		decls := f.block()
		if ok && pok && sel != "" && decls != "" {
			b.WriteString(sel + " {" + decls + "}\n")
		}
	}
}

// block reads the declaration block at f.pos ("{" … "}").
func (f *cssFilter) block() string {
	f.pos++
	d := f.declarations(false)
	f.pos++ // the "}"
	return d
}

// atRule writes the at-rule at f.pos if it is one that is kept (F28, F29).
func (f *cssFilter) atRule(b *strings.Builder, depth int) {
	name := strings.ToLower(unescapeIdent(f.toks[f.pos].data[1:]))
	f.pos++
	prelude, ok := f.readUntil(css.SemicolonToken, css.LeftBraceToken, css.RightBraceToken)
	switch {
	case f.at(css.RightBraceToken):
		return // the enclosing block ends: the at-rule is dropped
	case !f.at(css.LeftBraceToken):
		f.pos++ // ";" or the end
		if name == "import" && ok {
			if s, ok := f.importRule(prelude); ok {
				b.WriteString(s)
			}
		}
		return
	}
	switch {
	case cssBlockAtRules[name] && depth < maxCSSDepth:
		p, pok := f.prelude(prelude)
		var inner strings.Builder
		f.pos++
		f.rules(&inner, depth+1, true)
		if ok && pok && inner.Len() > 0 {
			if p != "" {
				p = " " + p
			}
			b.WriteString("@" + name + p + " {\n" + inner.String() + "}\n")
		}
	case name == "font-face" || name == "page":
		p, pok := f.prelude(prelude)
		decls := f.block()
		if ok && pok && decls != "" {
			if p != "" {
				p = " " + p
			}
			b.WriteString("@" + name + p + " {" + decls + "}\n")
		}
	default:
		f.skipBlock() // @charset, @namespace, @document, @layer, unknown (F28)
	}
}

// importRule returns an @import rule whose URL is a key path (F28).
func (f *cssFilter) importRule(prelude []cssToken) (string, bool) {
	prelude = trim(prelude)
	if len(prelude) == 0 {
		return "", false
	}
	var raw string
	rest := prelude[1:]
	switch t := prelude[0]; t.tt {
	case css.URLToken:
		raw = urlTokenValue(t.data)
	case css.StringToken:
		raw = unescapeString(t.data)
	case css.FunctionToken:
		arg, n, ok := urlFunction(prelude)
		if !ok || strings.ToLower(unescapeIdent(t.data)) != "url(" {
			return "", false
		}
		raw, rest = arg, prelude[n:]
	default:
		return "", false
	}
	u, ok := filterURL(raw, f.base, inline)
	if !ok || u == "" || u[0] == '#' {
		return "", false
	}
	media, ok := f.prelude(rest)
	if !ok {
		return "", false
	}
	if media != "" {
		media = " " + media
	}
	return `@import url("` + u + `")` + media + ";\n", true
}

// declarations reads declarations up to the "}" that ends the block (not
// consumed) or, inline, to the end (a stray "}" then only ends one).
func (f *cssFilter) declarations(inline bool) string {
	var out []string
	for f.pos < len(f.toks) {
		d, ok := f.readUntil(css.SemicolonToken, css.RightBraceToken)
		if s, dok := f.declaration(d); ok && dok {
			out = append(out, s)
		}
		if f.at(css.RightBraceToken) && !inline {
			break
		}
		f.pos++
	}
	return strings.Join(out, "; ")
}

// declaration returns "name: value" for a declaration that is kept (F30,
// F31, F32).
func (f *cssFilter) declaration(d []cssToken) (string, bool) {
	d = trim(d)
	if len(d) < 3 || d[0].tt != css.IdentToken {
		return "", false
	}
	name := strings.ToLower(unescapeIdent(d[0].data))
	if !isPropertyName(name) || cssDenied[name] {
		return "", false
	}
	i := 1
	if d[i].tt == css.WhitespaceToken {
		i++
	}
	if i >= len(d) || d[i].tt != css.ColonToken {
		return "", false
	}
	v, ok := f.value(trim(d[i+1:]), true)
	if !ok || v == "" {
		return "", false
	}
	return name + ": " + v, true
}

// prelude serialises a selector, media query or supports condition: no
// URL, no block, nothing that can load (F33).
func (f *cssFilter) prelude(toks []cssToken) (string, bool) {
	return f.value(trim(toks), false)
}

// value serialises tokens; in a declaration (decl) functions must be in
// cssFunctions and url() is filtered, elsewhere any function but url() is
// allowed and no URL at all.
func (f *cssFilter) value(toks []cssToken, decl bool) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch t.tt {
		case css.WhitespaceToken:
			b.WriteByte(' ')
		case css.StringToken:
			b.WriteString(quoteString(unescapeString(t.data)))
		case css.URLToken:
			if !decl {
				return "", false
			}
			u, ok := filterURL(urlTokenValue(t.data), f.base, inline)
			if !ok || u == "" {
				return "", false
			}
			b.WriteString(`url("` + u + `")`)
		case css.FunctionToken:
			name := strings.ToLower(unescapeIdent(strings.TrimSuffix(t.data, "(")))
			if name == "url" {
				arg, n, ok := urlFunction(toks[i:])
				if !decl || !ok {
					return "", false
				}
				u, ok := filterURL(arg, f.base, inline)
				if !ok || u == "" {
					return "", false
				}
				b.WriteString(`url("` + u + `")`)
				i += n - 1
				continue
			}
			if decl && !cssFunctions[name] || !isPropertyName(name) {
				return "", false
			}
			b.WriteString(name + "(")
		case css.IdentToken, css.HashToken, css.DimensionToken:
			b.WriteString(canonEscapes(t.data))
		case css.DelimToken:
			if t.data == "<" || t.data == `\` {
				return "", false
			}
			b.WriteString(t.data)
		case css.BadStringToken, css.BadURLToken, css.AtKeywordToken, css.LeftBraceToken,
			css.RightBraceToken, css.SemicolonToken, css.CustomPropertyNameToken,
			css.CustomPropertyValueToken, css.CDOToken, css.CDCToken, css.ErrorToken:
			return "", false
		default:
			b.WriteString(t.data)
		}
	}
	return b.String(), true
}

// urlFunction reads url( string ) at toks[0] and returns the string and
// the number of tokens it takes; any other argument is refused (F32).
func urlFunction(toks []cssToken) (string, int, bool) {
	i := 1
	if i < len(toks) && toks[i].tt == css.WhitespaceToken {
		i++
	}
	if i >= len(toks) || toks[i].tt != css.StringToken {
		return "", 0, false
	}
	s := unescapeString(toks[i].data)
	i++
	if i < len(toks) && toks[i].tt == css.WhitespaceToken {
		i++
	}
	if i >= len(toks) || toks[i].tt != css.RightParenthesisToken {
		return "", 0, false
	}
	return s, i + 1, true
}

// trim removes leading and trailing whitespace tokens.
func trim(toks []cssToken) []cssToken {
	for len(toks) > 0 && toks[0].tt == css.WhitespaceToken {
		toks = toks[1:]
	}
	for len(toks) > 0 && toks[len(toks)-1].tt == css.WhitespaceToken {
		toks = toks[:len(toks)-1]
	}
	return toks
}

// isPropertyName: a lower-case CSS name, not a custom property (F30).
func isPropertyName(s string) bool {
	if s == "" || strings.HasPrefix(s, "--") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || c == '-' || c == '_' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// urlTokenValue returns the URL of a url(…) token: the name, possibly
// escaped, up to "(", then a quoted string or an unquoted URL.
func urlTokenValue(data string) string {
	i := strings.IndexByte(data, '(')
	s := strings.TrimSuffix(strings.Trim(data[i+1:], " \t\n"), ")")
	s = strings.TrimRight(s, " \t\n")
	if s != "" && (s[0] == '"' || s[0] == '\'') {
		return unescapeString(s)
	}
	return unescape(s)
}

// unescapeString decodes a CSS string token, quotes included (an
// unterminated one ends at the end of the data).
func unescapeString(data string) string {
	if data == "" {
		return ""
	}
	q := data[0]
	var b strings.Builder
	for i := 1; i < len(data); i++ {
		c := data[i]
		switch {
		case c == q:
			return b.String()
		case c == '\\' && i+1 < len(data) && data[i+1] == '\n':
			i++ // line continuation
		case c == '\\':
			r, n := escape(data[i+1:])
			b.WriteString(r)
			i += n
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// unescapeIdent decodes the escapes of an identifier.
func unescapeIdent(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	return unescape(s)
}

func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			r, n := escape(s[i+1:])
			b.WriteString(r)
			i += n
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// escape decodes the escape after a backslash: up to six hex digits and
// one optional whitespace, or one character. It returns the text and the
// bytes used.
func escape(s string) (string, int) {
	n := 0
	var v rune
	for n < len(s) && n < 6 && isHex(s[n]) {
		v = v*16 + rune(unhex(s[n]))
		n++
	}
	if n == 0 {
		if s == "" {
			return "\uFFFD", 0
		}
		r, size := utf8.DecodeRuneInString(s)
		return string(r), size
	}
	if n < len(s) && (s[n] == ' ' || s[n] == '\t' || s[n] == '\n') {
		n++
	}
	if v == 0 || v > utf8.MaxRune || 0xD800 <= v && v <= 0xDFFF {
		v = utf8.RuneError
	}
	return string(v), n
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// canonEscapes rewrites the escapes of an identifier-like token so that
// writing it again changes nothing and no "<" appears (F34): a hex escape
// is written in lower case and always ended by one space (the lexer takes
// one whitespace after a hex escape into the token, so an escape at the
// end of a token would otherwise eat the whitespace that follows it);
// "\<" becomes "\3c ".
func canonEscapes(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	const hex = "0123456789abcdef"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		n, v := 0, 0
		for n < 6 && i+1+n < len(s) && isHex(s[i+1+n]) {
			v = v*16 + int(unhex(s[i+1+n]))
			n++
		}
		if n == 0 && s[i+1] != '<' {
			b.WriteByte(c) // an escaped character, `\x`: kept as written
			b.WriteByte(s[i+1])
			i++
			continue
		}
		if n == 0 {
			v, n = '<', 1
		} else if j := i + 1 + n; j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n') {
			n++
		}
		b.WriteByte('\\')
		started := false
		for shift := 20; shift >= 0; shift -= 4 {
			if d := v >> shift & 15; d != 0 || started || shift == 0 {
				b.WriteByte(hex[d])
				started = true
			}
		}
		b.WriteByte(' ')
		i += n
	}
	return b.String()
}

// quoteString writes s as a double-quoted CSS string in which no "<",
// quote, backslash or control character appears unescaped (F34).
func quoteString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '<' || r < 0x20 || r == 0x7f:
			const hex = "0123456789abcdef"
			b.WriteByte('\\')
			if r >= 16 {
				b.WriteByte(hex[r>>4])
			}
			b.WriteByte(hex[r&15])
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
