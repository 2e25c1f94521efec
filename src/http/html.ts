/** HTML that has already been escaped or built from escaped parts. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c)

type Part = SafeHtml | string | number | boolean | null | undefined | readonly Part[]

function render(part: Part): string {
  if (part === null || part === undefined || part === false || part === true) return ''
  if (part instanceof SafeHtml) return part.value
  if (Array.isArray(part)) return (part as readonly Part[]).map(render).join('')
  return escapeHtml(String(part))
}

/** Tagged template: interpolated values are escaped unless they are SafeHtml; arrays are joined. */
export function html(strings: TemplateStringsArray, ...values: Part[]): SafeHtml {
  let out = strings[0] ?? ''
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '')
  })
  return new SafeHtml(out)
}

/** Marks trusted markup (our own rendered Markdown) as safe. */
export const raw = (s: string): SafeHtml => new SafeHtml(s)
