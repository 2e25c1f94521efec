/**
 * How pages link to each other. The server uses absolute paths; the static export uses relative
 * `.html` files so the exported site also works straight from disk.
 */
export interface Links {
  readonly home: string
  readonly errors: string
  readonly entry: (slug: string) => string
  readonly asset: (name: string) => string
  readonly diagnose: string | null
  readonly entryJson: ((slug: string) => string) | null
}

export const serverLinks: Links = {
  home: '/',
  errors: '/errors',
  entry: (slug) => `/errors/${encodeURIComponent(slug)}`,
  asset: (name) => `/assets/${name}`,
  diagnose: '/diagnose',
  entryJson: (slug) => `/api/v1/errors/${encodeURIComponent(slug)}`,
}

/** Links for pages written to <out>/errors/*.html with assets in <out>/assets. */
export const exportLinks: Links = {
  home: 'index.html',
  errors: 'index.html',
  entry: (slug) => `${slug}.html`,
  asset: (name) => `../assets/${name}`,
  diagnose: null,
  entryJson: null,
}
