// A 2 GB JSON body, generated on the fly by a local server and never stored, read item by item
// in a child process whose peak RSS stays flat: what it is after the first 200 MB is what it
// is at the end, give or take the garbage collector's slack.
import t from 'tap'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startServer } from './local-server.ts'

const TOTAL = Number(process.env.FLOWKIT_STREAM_BYTES ?? 2 * 1024 ** 3)
const child = fileURLToPath(new URL('./stream-child.ts', import.meta.url))

/** One block of items, about 1 MiB, repeated to make the body. */
function block(): { text: Buffer; items: number } {
  const parts: string[] = []
  let size = 0
  for (let i = 0; size < 1 << 20; i++) {
    const item = JSON.stringify({ id: i, name: `item "${i}" ]}`, tags: ['a', 'b', { c: i }], pad: 'x'.repeat(900) })
    parts.push(item)
    size += item.length + 1
  }
  return { text: Buffer.from(parts.join(',') + ','), items: parts.length }
}

function runChild(url: string, form: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, url, form], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk))
    proc.on('error', reject)
    proc.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Record<string, unknown>) : reject(new Error(`child exited ${code}: ${out}`))))
  })
}

t.test(`${(TOTAL / 1024 ** 3).toFixed(2)} GB of JSON items under results.* in flat memory`, { timeout: 180_000 }, async (t) => {
  const { text, items: perBlock } = block()
  const blocks = Math.ceil(TOTAL / text.length)
  const server = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.write('{"results":[')
    let sent = 0
    const more = () => {
      while (sent < blocks) {
        sent++
        if (!res.write(text)) return void res.once('drain', more)
      }
      res.end('{"last":true}],"next":"end"}')
    }
    more()
  })
  t.teardown(() => server.close())
  const result = await runChild(`${server.url}/big`, 'json')
  t.equal(result.items, blocks * perBlock + 1, 'every item')
  t.equal(result.bytes, blocks * (text.length - perBlock) + '{"last":true}'.length, 'every byte of them')
  t.same(result.rest, { results: [], next: 'end' }, 'and the rest of the body after them')
  const peakMB = (result.peakRss as number) / 1024 ** 2
  const earlyMB = (result.earlyRss as number) / 1024 ** 2
  t.ok(peakMB - earlyMB < 64, `peak RSS ${peakMB.toFixed(0)} MB at the end, ${earlyMB.toFixed(0)} MB after 200 MB: flat`)
  t.ok(peakMB < 400, `peak RSS ${peakMB.toFixed(0)} MB (tsx included) for ${(blocks * text.length / 1024 ** 3).toFixed(2)} GB`)
  t.comment(`json items: ${(result.seconds as number).toFixed(1)} s, ${((blocks * text.length) / 1024 ** 2 / (result.seconds as number)).toFixed(0)} MB/s, peak RSS ${peakMB.toFixed(0)} MB`)
})
