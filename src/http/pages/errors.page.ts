import { marked } from 'marked'
import type { Entry } from '../../kb/entry.schema.ts'
import type { EntryFilter, KnowledgeBase } from '../../kb/kb.ts'
import {
  CATEGORIES,
  CATEGORY_LABELS,
  PLATFORM_LABELS,
  PLATFORMS,
  SEVERITIES,
} from '../../kb/taxonomy.ts'
import { personalise } from '../../diagnosis/diagnose.ts'
import { html, raw, type SafeHtml } from '../html.ts'
import { layout } from './layout.ts'
import type { Links } from './links.ts'

const badge = (severity: string) => html`<span class="badge sev-${severity}">${severity}</span>`
const tag = (text: string, kind: string) => html`<span class="tag tag-${kind}">${text}</span>`

function select(
  name: string,
  label: string,
  values: readonly string[],
  current: string | undefined,
  labels?: Record<string, string>,
) {
  return html`<label>${label}
    <select name="${name}" data-filter="${name}">
      <option value="">All</option>
      ${values.map((v) => html`<option value="${v}"${v === current ? raw(' selected') : ''}>${labels?.[v] ?? v}</option>`)}
    </select></label>`
}

function entryCard(e: Entry, links: Links): SafeHtml {
  const haystack = [e.title, e.slug, ...e.codes, e.summary].join(' ').toLowerCase()
  return html`<li class="entry-card" data-category="${e.category}" data-severity="${e.severity}" data-platform="${e.platform}" data-text="${haystack}">
    <a href="${links.entry(e.slug)}"><strong>${e.title}</strong></a>
    <div class="meta">${badge(e.severity)} ${tag(PLATFORM_LABELS[e.platform], 'platform')}</div>
    <p>${e.summary.length > 180 ? `${e.summary.slice(0, 177)}…` : e.summary}</p>
  </li>`
}

/** /errors: every entry grouped by category, with a search box and filters that work without JS. */
export function errorsIndexPage(kb: KnowledgeBase, filter: EntryFilter, links: Links): string {
  const entries = kb.filter(filter)
  const groups = CATEGORIES.map(
    (c) => [c, entries.filter((e) => e.category === c)] as const,
  ).filter(([, list]) => list.length > 0)
  const searching = Boolean(filter.q || filter.category || filter.severity || filter.platform)
  const body = html`
<section class="intro">
  <h1>Power BI error reference</h1>
  <p>${kb.entries.length} errors that Power BI teams meet — refresh, gateway, Power Query, capacity, REST API, embedding and sign-in — each with what it means, its common causes and the steps that fix it.</p>
</section>
<form class="filters" method="get" action="${links.errors}" role="search">
  <label class="q">Search <input type="search" name="q" value="${filter.q ?? ''}" placeholder="Error code or words, e.g. gateway offline" data-filter="q" autocomplete="off"></label>
  ${select('category', 'Category', CATEGORIES, filter.category, CATEGORY_LABELS)}
  ${select('severity', 'Severity', SEVERITIES, filter.severity)}
  ${select('platform', 'Platform', PLATFORMS, filter.platform, PLATFORM_LABELS)}
  <button type="submit">Filter</button>
</form>
<p class="count" data-count aria-live="polite">${searching ? `${entries.length} of ${kb.entries.length} entries match.` : `${entries.length} entries.`}</p>
${entries.length === 0 ? html`<p class="empty">No entry matches. Try fewer words, or paste the whole error into the diagnose page.</p>` : ''}
${groups.map(
  ([category, list]) => html`<section class="category" data-group="${category}">
  <h2 id="${category}">${CATEGORY_LABELS[category]} <small>${list.length}</small></h2>
  <ul class="entry-list">${list.map((e) => entryCard(e, links))}</ul>
</section>`,
)}`
  return layout({
    title: 'Power BI error reference',
    description:
      'What each Power BI refresh, gateway, Power Query and sign-in error means and how to fix it.',
    links,
    body,
    scripts: ['errors.js'],
  })
}

function diagnosisTree(e: Entry, links: Links): SafeHtml {
  const nodes = new Map((e.diagnosis ?? []).map((n) => [n.id, n]))
  const target = (t: string, depth: number): SafeHtml => {
    const [kind, ref = ''] = t.split(':')
    if (kind === 'fix')
      return html`<span class="leaf">Do fix step ${ref}: ${personalise([e.fixes[Number(ref) - 1] ?? ''], { codes: [] })[0]}</span>`
    if (kind === 'entry') {
      return html`<span class="leaf">See <a href="${links.entry(ref)}">${ref}</a></span>`
    }
    const node = nodes.get(ref)
    return node && depth < 8 ? question(node.id, depth + 1) : html``
  }
  const question = (id: string, depth: number): SafeHtml => {
    const n = nodes.get(id)
    if (!n) return html``
    return html`<div class="dq"><p>${n.question}</p><ul><li><b>Yes</b> → ${target(n.yes, depth)}</li><li><b>No</b> → ${target(n.no, depth)}</li></ul></div>`
  }
  const root = e.diagnosis?.[0]
  return root ? question(root.id, 0) : html``
}

/** /errors/<slug>: one entry with every section. */
export function entryPage(kb: KnowledgeBase, e: Entry, links: Links): string {
  const related = kb.related(e)
  const body = html`
<nav class="crumbs"><a href="${links.errors}">Error reference</a> › <a href="${links.errors}#${e.category}">${CATEGORY_LABELS[e.category]}</a></nav>
<article class="entry">
  <h1>${e.title}</h1>
  <div class="meta">${badge(e.severity)} ${tag(CATEGORY_LABELS[e.category], 'category')} ${tag(PLATFORM_LABELS[e.platform], 'platform')}</div>
  ${e.codes.length ? html`<p class="codes">Codes: ${e.codes.map((c) => html`<code>${c}</code> `)}</p>` : ''}
  <section id="meaning"><h2>What it means</h2><p>${e.summary}</p>${e.body ? raw(marked.parse(e.body, { async: false })) : ''}</section>
  <section id="causes"><h2>Common causes</h2><ol>${e.causes.map((c) => html`<li>${c}</li>`)}</ol></section>
  <section id="fixes"><h2>How to fix it</h2><ol class="fixes">${personalise(e.fixes, { codes: [] }).map((f) => html`<li>${f}</li>`)}</ol></section>
  ${e.diagnosis ? html`<section id="diagnosis"><h2>Quick diagnosis</h2>${diagnosisTree(e, links)}</section>` : ''}
  <section id="example"><h2>Example</h2><pre><code>${e.example}</code></pre></section>
  <section id="faq"><h2>FAQ</h2>${e.faq.map((f) => html`<details open><summary>${f.q}</summary><p>${f.a}</p></details>`)}</section>
  <section id="related"><h2>Other ${CATEGORY_LABELS[e.category].toLowerCase()} errors</h2>
    <ul>${related.map((r) => html`<li><a href="${links.entry(r.slug)}">${r.title}</a> ${badge(r.severity)}</li>`)}</ul></section>
  <section id="references"><h2>References</h2><ul>${e.references.map((u) => html`<li><a href="${u}" rel="noopener">${u}</a></li>`)}</ul>
    ${links.entryJson ? html`<p class="small">This entry as JSON: <a href="${links.entryJson(e.slug)}">${links.entryJson(e.slug)}</a></p>` : ''}</section>
</article>`
  return layout({ title: e.title, description: e.summary.slice(0, 160), links, body })
}
