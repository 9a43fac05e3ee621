// Child of stream-body.test.ts: reads the items of one large JSON body from the URL given,
// and prints what it counted with its peak RSS (after the first tenth of the body, and at the end).
import { HttpClient } from '../../lib/http/index.ts'

const [url, form] = process.argv.slice(2) as [string, string]
const response = await new HttpClient({ timeoutMs: 30_000 }).request(url)
const started = performance.now()
let items = 0
let bytes = 0
let early = 0
const peak = () => process.resourceUsage().maxRSS * 1024
if (form === 'ndjson') {
  for await (const line of response.lines()) {
    items++
    bytes += line.length
    if (early === 0 && bytes > 200e6) early = peak()
  }
  console.log(JSON.stringify({ items, bytes, earlyRss: early, peakRss: peak(), seconds: (performance.now() - started) / 1000 }))
} else {
  const page = response.jsonItemBytes('results.*')
  for await (const item of page) {
    items++
    bytes += item.length
    if (early === 0 && bytes > 200e6) early = peak()
  }
  console.log(JSON.stringify({ items, bytes, rest: page.rest(), earlyRss: early, peakRss: peak(), seconds: (performance.now() - started) / 1000 }))
}
