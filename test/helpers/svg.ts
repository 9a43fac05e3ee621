// A strict reader of the small XML subset flowkit's SVG charts use (elements, attributes in
// double quotes, text, the five predefined entities): it fails on a tag left open, a closing
// tag that does not match, or text after the root, so a test can tell a chart is well-formed.

export interface SvgElement {
  readonly name: string
  readonly attributes: Readonly<Record<string, string>>
  /** The text inside it and its descendants, entities decoded. */
  text: string
  readonly parent: SvgElement | undefined
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

function decode(text: string): string {
  return text.replace(/&([a-z]+);/g, (whole, name: string) => {
    const value = ENTITIES[name]
    if (value === undefined) throw new Error(`unknown entity ${whole}`)
    return value
  })
}

/** Every element of the document, in document order; the first is the root. */
export function parseSvg(source: string): SvgElement[] {
  const elements: SvgElement[] = []
  let open: SvgElement | undefined
  let closedRoot = false
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y
  let at = 0
  while (at < source.length) {
    const lt = source.indexOf('<', at)
    const text = source.slice(at, lt < 0 ? source.length : lt)
    if (text.trim() !== '') {
      if (open === undefined) throw new Error(`text outside the root element at ${at}`)
      const decoded = decode(text)
      for (let e: SvgElement | undefined = open; e !== undefined; e = e.parent) e.text += decoded
    }
    if (lt < 0) break
    tag.lastIndex = lt
    const match = tag.exec(source)
    if (match === null) throw new Error(`malformed tag at ${lt}: ${source.slice(lt, lt + 40)}`)
    const [whole, closing, name, attributeText, selfClosing] = match as unknown as [string, string, string, string, string]
    at = lt + whole.length
    if (closing) {
      if (open?.name !== name) throw new Error(`</${name}> at ${lt} closes <${open?.name ?? 'nothing'}>`)
      open = open.parent
      if (open === undefined) closedRoot = true
      continue
    }
    if (closedRoot || (open === undefined && elements.length > 0)) throw new Error(`a second root element <${name}> at ${lt}`)
    const attributes: Record<string, string> = {}
    for (const [, key, value] of attributeText.matchAll(/([\w:-]+)="([^"]*)"/g)) attributes[key as string] = decode(value as string)
    const element: SvgElement = { name, attributes, text: '', parent: open }
    elements.push(element)
    if (!selfClosing) open = element
  }
  if (open !== undefined) throw new Error(`<${open.name}> is never closed`)
  if (elements[0]?.name !== 'svg') throw new Error('the root element is not <svg>')
  return elements
}
