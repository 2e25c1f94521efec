import type { Diagnosis } from '../../diagnosis/diagnose.ts'
import type { KnowledgeBase } from '../../kb/kb.ts'
import { CATEGORY_LABELS, type Category } from '../../kb/taxonomy.ts'
import { escapeHtml, html, raw, type SafeHtml } from '../html.ts'
import { layout } from './layout.ts'
import type { Links } from './links.ts'

const LABELS: Record<string, string> = {
  codes: 'Codes (outer → inner)',
  wrapper: 'Wrapped by',
  httpStatus: 'HTTP status',
  dataSourceKind: 'Data source',
  server: 'Server',
  database: 'Database',
  url: 'URL',
  path: 'File',
  user: 'Account',
  gateway: 'Gateway',
  table: 'Table',
  column: 'Column',
  query: 'Query',
  aadsts: 'Entra code',
  tenantId: 'Tenant',
  appId: 'App',
  activityId: 'Activity ID',
  requestId: 'Request ID',
  correlationId: 'Correlation ID',
  traceId: 'Trace ID',
  clusterUri: 'Cluster URI',
  timestamp: 'Time',
  innerMessage: 'Inner message',
}

/** Highlights the context values inside fix steps, so the reader sees what was personalised. */
function highlight(text: string, values: readonly string[]): SafeHtml {
  let out = escapeHtml(text)
  for (const v of values) {
    if (v.length < 3) continue
    const e = escapeHtml(v)
    out = out.split(e).join(`<mark>${e}</mark>`)
  }
  return raw(out)
}

function contextTable(d: Diagnosis): SafeHtml {
  const rows = Object.entries(d.context).filter(
    ([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0),
  )
  if (rows.length === 0)
    return html`<p class="small">No identifiers (server, table, activity ID…) were found in the text.</p>`
  return html`<table class="kv context">${rows.map(
    ([k, v]) =>
      html`<tr><th>${LABELS[k] ?? k}</th><td><mark>${Array.isArray(v) ? v.join(', ') : String(v).slice(0, 500)}</mark></td></tr>`,
  )}</table>`
}

function result(kb: KnowledgeBase, d: Diagnosis, links: Links): SafeHtml {
  const values = Object.values(d.context).filter((v): v is string => typeof v === 'string')
  if (d.slug === null) {
    return html`<section class="panel result" id="result">
      <h2>No matching entry</h2>
      <p>${d.why} Best-guess category: <strong>${d.category === 'unknown' ? 'unknown' : CATEGORY_LABELS[d.category]}</strong> (confidence ${d.confidence}).</p>
      ${d.alternatives.length ? html`<p>Closest entries:</p><ul>${d.alternatives.map((a) => html`<li><a href="${links.entry(a.slug)}">${a.title}</a></li>`)}</ul>` : ''}
      <h3>Context found in the text</h3>${contextTable(d)}
    </section>`
  }
  const entry = kb.get(d.slug)
  return html`<section class="panel result" id="result">
    <p class="small">Matched by ${d.matchedBy.replace('+', ' + ').replace('_', ' ')} · confidence ${d.confidence}</p>
    <h2><a href="${links.entry(d.slug)}">${d.title}</a></h2>
    <div class="meta"><span class="badge sev-${d.severity ?? 'low'}">${d.severity}</span> <span class="tag tag-category">${CATEGORY_LABELS[d.category as Category]}</span></div>
    <p>${d.why}</p>
    <h3>Context found in the text</h3>${contextTable(d)}
    <h3>What it means</h3><p>${entry?.summary ?? ''}</p>
    <h3>Common causes</h3><ol>${(entry?.causes ?? []).map((c) => html`<li>${c}</li>`)}</ol>
    <h3>How to fix it</h3><ol class="fixes">${d.fixes.map((f) => html`<li>${highlight(f, values)}</li>`)}</ol>
    ${d.alternatives.length ? html`<h3>Also possible</h3><ul>${d.alternatives.map((a) => html`<li><a href="${links.entry(a.slug)}">${a.title}</a> (${a.confidence})</li>`)}</ul>` : ''}
    <p><a href="${links.entry(d.slug)}">Read the full entry →</a></p>
  </section>`
}

export function diagnosePage(
  kb: KnowledgeBase,
  input: string,
  d: Diagnosis | null,
  links: Links,
): string {
  const body = html`
<section class="intro">
  <h1>Diagnose a Power BI error</h1>
  <p>Paste what you have: a refresh-history error, a REST error body, a failure e-mail, a portal dialog with its Activity ID, a gateway log line, a Power Query error or an AADSTS sign-in message. Nothing leaves this server.</p>
</section>
<form method="post" action="${links.diagnose ?? '/diagnose'}" class="panel">
  <label for="input"><strong>Error text</strong></label>
  <textarea id="input" name="input" required placeholder='{"errorCode":"DM_GWPipeline_Gateway_MashupDataAccessError", ...}'>${input}</textarea>
  <p><button class="primary" type="submit">Diagnose</button></p>
</form>
${d ? result(kb, d, links) : ''}`
  return layout({
    title: 'Diagnose a Power BI error',
    description: 'Paste a raw Power BI error and get what it means and how to fix it.',
    links,
    body,
  })
}
