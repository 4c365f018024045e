// Package assets holds what the social front-end serves and renders: HTML
// templates, the style sheet, the script that enhances the page, and the
// Arabic web font (fonts/README.md says where it comes from). Everything is
// embedded in the binary: the page loads nothing from elsewhere.
package assets

import "embed"

// Templates are the HTML templates (html/template syntax).
//
//go:embed templates/*.html
var Templates embed.FS

// Static are the files served under /static/: app.css and app.js.
//
//go:embed static
var Static embed.FS

// Fonts are the web fonts and their style sheet (fonts.css), served under
// /static/fonts/ and /static/fonts.css.
//
//go:embed fonts/*.woff2 fonts/fonts.css
var Fonts embed.FS
