package gateway

// pageTemplates are the gateway's own pages. Each is a whole document in
// the layout; none has a script or loads anything from elsewhere.
const pageTemplates = `
{{define "head"}}<!DOCTYPE html>
<html lang="en" dir="auto">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="stylesheet" href="/static/gateway.css">
{{end}}

{{define "menu"}}<header class="menu"><nav aria-label="hams">
<a href="/" class="brand">hams</a>
<a href="/">Start</a>
<a href="/publish">Publish</a>
{{if .Menu.Status}}<a href="/status">Status</a>{{end}}
{{if .Menu.Social}}<a href="{{.Menu.Social}}">Social</a>{{end}}
</nav></header>{{end}}

{{define "home"}}{{template "head"}}<title>hams gateway</title></head>
<body>{{template "menu" .}}<main>
<h1>hams gateway</h1>
<form action="/open" method="get" class="open" role="search">
<label for="key">Open a key (CHK@…, SSK@…, USK@…, KSK@…)</label>
<input id="key" name="key" type="text" required autocomplete="off" spellcheck="false" dir="ltr">
<button type="submit">Open</button>
</form>
<p class="hint">Everything you open here comes through your node and through the content filter: no script runs, and no request leaves this computer except through the network.</p>
<section aria-labelledby="bm"><h2 id="bm">Bookmarks</h2>
{{with .Page.Bookmarks}}<ul class="bookmarks">
{{range .}}<li><a href="{{.Link}}">{{.Name}}</a>{{if .New}} <strong class="new">new edition {{.Edition}}</strong>{{else if ge .Edition 0}} <span class="ed">edition {{.Edition}}</span>{{end}}
<form action="/bookmarks/remove" method="post" class="inline"><input type="hidden" name="token" value="{{$.Page.Token}}"><input type="hidden" name="id" value="{{.ID}}"><button type="submit" aria-label="Remove bookmark {{.Name}}">Remove</button></form></li>
{{end}}</ul>{{else}}<p>No bookmarks yet. Open a site and press “Bookmark” in the bar at its top, or add one here.</p>{{end}}
<form action="/bookmarks/add" method="post" class="add">
<input type="hidden" name="token" value="{{.Page.Token}}">
<label for="bname">Name</label> <input id="bname" name="name" type="text" maxlength="200">
<label for="buri">Key (USK@… follows new editions)</label> <input id="buri" name="uri" type="text" required dir="ltr" spellcheck="false">
<button type="submit">Add bookmark</button>
</form>
</section>
{{with .Page.Sites}}<section aria-labelledby="ms"><h2 id="ms">Your sites</h2><ul>
{{range .}}<li><a href="{{.Link}}">{{.Name}}</a> <span class="ed">edition {{.Edition}}</span></li>{{end}}
</ul></section>{{end}}
</main></body></html>{{end}}

{{define "error"}}{{template "head"}}<title>{{.Page.Title}} — hams</title></head>
<body>{{template "menu" .}}<main>
<h1>{{.Page.Title}}</h1>
<p class="detail">{{.Page.Detail}}</p>
{{if .Page.Code}}<p class="code">Code {{.Page.Code}}: {{.Page.Short}}</p>{{end}}
{{if .Page.Path}}<p><a href="{{.Page.Path}}?retry=1">Try again</a></p>{{end}}
</main></body></html>{{end}}

{{define "progress"}}{{template "head"}}<meta http-equiv="refresh" content="0">
<title>{{.Page.Percent}}% — {{.Page.Title}} — hams</title></head>
<body>{{template "menu" .}}<main>
<h1>{{.Page.Title}}</h1>
{{if .Page.Needed}}<p><progress max="{{.Page.Needed}}" value="{{.Page.Found}}">{{.Page.Percent}}%</progress>
{{.Page.Found}} of {{.Page.Needed}} blocks found{{if .Page.Failed}}, {{.Page.Failed}} not found{{end}}{{if not .Page.Final}} (more may follow){{end}}.</p>
{{else}}<p>Looking in the network…</p>{{end}}
<p class="hint">This page reloads by itself and shows the document as soon as it is here.</p>
</main></body></html>{{end}}

{{define "download"}}{{template "head"}}<title>Download {{.Page.Name}}? — hams</title></head>
<body>{{template "menu" .}}<main>
<h1>This file is not shown in the browser</h1>
<p>{{.Page.Why}}</p>
<p>Type: <code>{{.Page.Type}}</code>, size: {{.Page.Size}}.</p>
<p class="warn">If you save it and open it with another program, that program may connect to the internet by itself (documents and media can hold links and scripts) and reveal who you are. Open it only without a network connection, or if you trust it.</p>
<p><a href="{{.Page.Link}}" download="{{.Page.Name}}">Save {{.Page.Name}}</a></p>
</main></body></html>{{end}}

{{define "external"}}{{template "head"}}<title>A link that leaves hams — hams</title></head>
<body>{{template "menu" .}}<main>
<h1>This link leaves hams</h1>
<p class="warn">It points to a site on the ordinary web. Your browser would connect to it directly, not through hams: that site, and anyone watching your connection, would see that you went there.</p>
<p>The address: <code dir="ltr">{{.Page.URL}}</code></p>
{{if .Page.Linkable}}<p>If you still want to open it (better in Tor Browser): <a href="{{.Page.URL}}" rel="noreferrer noopener" target="_blank">open it anyway</a>.</p>{{end}}
</main></body></html>{{end}}

{{define "note"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="{{.Page.Refresh}}">
<meta name="referrer" content="no-referrer"><link rel="stylesheet" href="/static/gateway.css"><title>hams: editions</title></head>
<body class="note">
{{if gt .Page.Known .Page.Edition}}<strong>A newer edition of this site is here: <a href="{{.Page.Newer}}" target="_top">edition {{.Page.Known}}</a>.</strong>
{{else}}<span>hams · {{.Page.Name}}, edition {{.Page.Edition}}{{if .Page.Looking}} · looking for newer editions…{{end}}</span>{{end}}
{{if not .Page.Marked}}<form action="/bookmarks/add" method="post" target="_top" class="inline"><input type="hidden" name="token" value="{{.Page.Token}}"><input type="hidden" name="uri" value="{{.Page.Key}}"><input type="hidden" name="name" value="{{.Page.Name}}"><button type="submit">Bookmark</button></form>{{else}}<span class="ed">bookmarked</span>{{end}}
</body></html>{{end}}

{{define "publish"}}{{template "head"}}<title>Publish — hams</title></head>
<body>{{template "menu" .}}<main>
<h1>Publish</h1>
<section aria-labelledby="pf"><h2 id="pf">A file</h2>
<p>The file is encrypted and inserted under its content hash key (CHK): anyone with the key can fetch it; nobody can tell who inserted it.</p>
<form action="/publish/file?token={{.Page.Token}}" method="post" enctype="multipart/form-data">
<label for="file">File</label> <input id="file" name="file" type="file" required>
<button type="submit">Insert</button>
</form></section>
<section aria-labelledby="ps"><h2 id="ps">A site (a folder)</h2>
<p>The folder becomes a freesite under a key this node makes for you and keeps (in its directory, readable only by you). Each time you publish the site again it gets a new edition; readers who bookmarked it see the new one. The folder should hold an <code>index.html</code>.</p>
<form action="/publish/site?token={{.Page.Token}}" method="post" enctype="multipart/form-data">
<label for="site">Site name</label> <input id="site" name="site" type="text" required pattern="[A-Za-z0-9._-]{1,64}" list="sites" spellcheck="false" dir="ltr">
<datalist id="sites">{{range .Page.Sites}}<option value="{{.Name}}">{{end}}</datalist>
<label for="dir">Folder</label> <input id="dir" name="files" type="file" webkitdirectory multiple required>
<button type="submit">Publish the site</button>
</form></section>
</main></body></html>{{end}}

{{define "job"}}{{template "head"}}{{if not .Page.Done}}<meta http-equiv="refresh" content="1">{{end}}
<title>{{.Page.Title}} — hams</title></head>
<body>{{template "menu" .}}<main>
<h1>{{.Page.Title}}</h1>
{{if .Page.Err}}<p class="warn">It failed: {{.Page.Err}}</p>
{{else if .Page.Done}}<p>Done. Its key:</p><p><code class="key" dir="ltr">{{.Page.Key}}</code></p><p><a href="{{.Page.Link}}">Open it</a></p>
{{else}}<p>{{if .Page.Total}}<progress max="{{.Page.Total}}" value="{{.Page.Done2}}"></progress> {{.Page.Done2}} of {{.Page.Total}} blocks inserted.{{else}}Preparing…{{end}}</p>
<p class="hint">This page reloads by itself.</p>{{end}}
</main></body></html>{{end}}
`

// gatewayCSS styles the gateway's own pages (not the documents it shows).
const gatewayCSS = `:root{color-scheme:light dark;--fg:#1b1b1b;--bg:#fdfdfb;--mute:#5a5a5a;--acc:#0b5d8c;--warn:#8a2b00}
@media (prefers-color-scheme:dark){:root{--fg:#e8e8e6;--bg:#171717;--mute:#a8a8a8;--acc:#7cc3ee;--warn:#ffb38a}}
body{margin:0;font:16px/1.5 system-ui,"Noto Sans","Noto Sans Arabic",sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:48rem;margin:0 auto;padding:1rem}
a{color:var(--acc)}
.menu{border-bottom:1px solid #8884;padding:.5rem 1rem}
.menu nav{display:flex;gap:1rem;flex-wrap:wrap;align-items:baseline}
.menu .brand{font-weight:700;text-decoration:none}
form.open,form.add{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
form.open input{flex:1 1 20rem}
input[type=text]{padding:.3rem;font:inherit}
button{font:inherit;padding:.25rem .8rem}
form.inline{display:inline}
.hint,.ed{color:var(--mute)}
.warn{color:var(--warn)}
.new{color:var(--acc)}
code.key{word-break:break-all}
progress{width:12rem}
body.note{margin:0;padding:.35rem .6rem;font-size:14px;background:#8882;display:flex;gap:.8rem;align-items:center;flex-wrap:wrap}
`
