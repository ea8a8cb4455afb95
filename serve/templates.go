package serve

import (
	"crypto/sha256"
	"encoding/base64"
)

// pageCSS is the only stylesheet of the HTML pages, inline and allowed by
// its hash in the Content-Security-Policy.
const pageCSS = `
body{font:16px/1.7 system-ui,-apple-system,"PingFang SC","Noto Sans CJK SC",sans-serif;max-width:46rem;margin:0 auto;padding:1rem;color:#222;background:#fff}
a{color:#0b5cad}
h1{line-height:1.3}
img{max-width:100%;height:auto}
pre{overflow:auto;background:#f5f5f5;padding:.75rem}
code{font-family:ui-monospace,monospace}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem}
.meta{color:#666;font-size:.9rem}
.meta span+span:before{content:" · "}
.err{color:#a00}
article,.meta{overflow-wrap:anywhere}
.html{color:#666}
ul.articles{list-style:none;padding:0}ul.articles li{margin:0 0 1.25rem}
.gallery ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.5rem}
.gallery img{width:10rem;height:10rem;object-fit:cover;display:block}
`

// styleHash is the CSP hash source of pageCSS.
func styleHash() string {
	sum := sha256.Sum256([]byte(pageCSS))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

const pageHead = `<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<style>` + pageCSS + `</style>
`

const indexTemplate = pageHead + `<title>Archived articles · imgmirror</title></head>
<body>
<header><h1>Archived articles</h1></header>
<main>
{{- if .Articles}}
<ul class="articles">
{{- range .Articles}}
<li><a href="{{.View}}">{{if .Meta.Title}}{{.Meta.Title}}{{else}}{{.Key}}{{end}}</a>
<div class="meta">
{{- with .Meta.Author}}<span>{{.}}</span>{{end}}
{{- with .Meta.Published}}<span>{{.}}</span>{{end}}
{{- with .Meta.Place}}<span>{{.}}</span>{{end}}
{{- if not .Err}}<span>{{.Counts.Archived}} of {{.Counts.Images}} images archived
{{- if .Counts.Failed}}, {{.Counts.Failed}} failed{{end}}</span>{{end}}</div>
{{- with .Err}}<div class="err">{{.}}</div>{{end}}</li>
{{- end}}
</ul>
{{- if .Truncated}}<p class="meta">Only the first {{.Max}} articles are listed.</p>{{end}}
{{- else}}
<p>No archived articles yet. Run <code>imgmirror archive</code> with this store.</p>
{{- end}}
</main>
</body></html>
`

const viewTemplate = pageHead + `<title>{{.Title}} · imgmirror</title></head>
<body>
<header>
<p class="meta"><a href="/">All articles</a></p>
{{if .Heading}}{{.Heading}}{{else}}<h1>{{.Title}}</h1>{{end}}
<p class="meta">
{{- with .Meta.Author}}<span>{{.}}</span>{{end}}
{{- with .Meta.Published}}<span>{{.}}</span>{{end}}
{{- with .Meta.Place}}<span>{{.}}</span>{{end}}
{{- with .Meta.OriginalURL}}<span><a href="{{.}}" rel="noopener noreferrer">original</a></span>{{end}}
<span><a href="{{.Raw}}">Markdown</a></span></p>
{{- if .HasManifest}}
<p class="meta"><span>{{.Counts.Archived}} of {{.Counts.Images}} images archived
{{- if .Counts.Failed}}, {{.Counts.Failed}} failed{{end}}
{{- if .Counts.Skipped}}, {{.Counts.Skipped}} not mirrored{{end}}</span>
<span>archived {{.ArchivedAt.UTC.Format "2006-01-02 15:04 UTC"}}</span></p>
{{- end}}
</header>
<article>
{{.Body}}
</article>
{{- if .Gallery}}
<section class="gallery">
<h2>Images</h2>
<ul>
{{- range .Gallery}}
<li><a href="{{.Original}}" title="{{.Width}}×{{.Height}}"><img src="{{.Thumb}}" alt="{{.Alt}}"></a></li>
{{- end}}
</ul>
</section>
{{- end}}
</body></html>
`
