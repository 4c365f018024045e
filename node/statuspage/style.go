package statuspage

// StyleSheet is the page's CSS, served at StylePath (ServeStyle). It uses
// logical properties only (inline-start, not left), so that the page reads
// as well right to left.
const StyleSheet = `:root { color-scheme: light; }
body { font-family: system-ui, sans-serif; line-height: 1.4; margin: 0 auto; max-inline-size: 64rem; padding-block: 1rem; padding-inline: 1rem; color: #1a1a1a; background: #ffffff; }
h1 { font-size: 1.6rem; margin-block: 0 .5rem; }
h2 { font-size: 1.25rem; margin-block: 2rem .5rem; border-block-end: 1px solid #cccccc; }
.note { color: #444444; font-size: .9rem; }
nav ul { list-style: none; padding-inline-start: 0; display: flex; flex-wrap: wrap; gap: 1rem; }
table { border-collapse: collapse; margin-block: .75rem; }
caption { text-align: start; font-weight: 600; padding-block-end: .25rem; }
th, td { border: 1px solid #dddddd; padding-block: .2rem; padding-inline: .5rem; text-align: start; }
thead th { background: #f2f2f2; }
td.num, th.num { text-align: end; font-variant-numeric: tabular-nums; }
figure.plot { margin-inline: 0; margin-block: 1rem; }
figure.plot svg { max-inline-size: 100%; block-size: auto; }
a { color: #1f5fa0; }
`
