// Progressive enhancement for /errors: filter the list as the reader types, without a round trip.
// The page works without this script (the form submits to the server).
;(() => {
  const form = document.querySelector('form.filters')
  if (!form) return
  const cards = Array.from(document.querySelectorAll('.entry-card'))
  const groups = Array.from(document.querySelectorAll('section.category'))
  const count = document.querySelector('[data-count]')
  const value = (name) => (form.elements.namedItem(name)?.value ?? '').trim().toLowerCase()
  const apply = () => {
    const words = value('q').split(/\s+/).filter(Boolean)
    const category = value('category')
    const severity = value('severity')
    const platform = value('platform')
    let shown = 0
    for (const card of cards) {
      const d = card.dataset
      const ok =
        (!category || d.category === category) &&
        (!severity || d.severity === severity) &&
        (!platform || d.platform === platform) &&
        words.every((w) => d.text.includes(w))
      card.hidden = !ok
      if (ok) shown++
    }
    for (const g of groups) g.hidden = !g.querySelector('.entry-card:not([hidden])')
    if (count) count.textContent = `${shown} of ${cards.length} entries match.`
  }
  form.addEventListener('input', apply)
  form.addEventListener('change', apply)
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    apply()
  })
})()
