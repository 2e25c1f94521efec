import { html, type SafeHtml } from '../html.ts'
import type { Links } from './links.ts'

export interface LayoutOptions {
  readonly title: string
  readonly description: string
  readonly links: Links
  readonly body: SafeHtml
  readonly scripts?: readonly string[]
}

export function layout(o: LayoutOptions): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · Vigil</title>
<meta name="description" content="${o.description}">
<link rel="stylesheet" href="${o.links.asset('vigil.css')}">
</head>
<body>
<header class="site">
  <a class="brand" href="${o.links.home}">Vigil</a>
  <nav>
    <a href="${o.links.errors}">Error reference</a>
    ${o.links.diagnose ? html`<a href="${o.links.diagnose}">Diagnose an error</a>` : ''}
  </nav>
</header>
<main>
${o.body}
</main>
<footer class="site">Vigil — open-source Power BI refresh monitoring. Entries are written by the Vigil project; each cites the official documentation.</footer>
${(o.scripts ?? []).map((s) => html`<script src="${o.links.asset(s)}" defer></script>`)}
</body>
</html>
`.value
}
