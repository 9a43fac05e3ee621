// flowkit bench on a small generated stream: the report's JSON holds the replay and both
// ceilings with every document and a positive rate, the table and the chart are written, a
// capture of a catalog is measured end to end, --profile prints self time by function, --json
// prints the report; a missing or corrupt stream fails naming the file (and the offset).
import t from 'tap'
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { bench, parseBenchArgs } from '../../lib/cli/bench.ts'
import { writeSample } from '../../lib/cli/sample.ts'
import type { BenchReport } from '../../lib/cli/bench-results.ts'
import { helloCatalog, runCli, tempDir } from '../helpers/cli.ts'
import { parseSvg } from '../helpers/svg.ts'

const DOCS = 3000
const dir = tempDir()
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const stream = join(dir, 'small.msgpack')
await writeSample({ shape: 'small', documents: DOCS, seed: 1, out: stream })
const STREAM_CASES = ['pre-serialized write', 'JSON.parse + stringify loop', 'flowkit replay']

t.test('bench writes the report: JSON, table and chart; a catalog capture end to end; --profile', async (t) => {
  const out = join(dir, 'out')
  const run = await runCli(['bench', stream, '--runs', '1', '--out', out, '--source', helloCatalog, '--profile'])
  t.equal(run.code, 0, run.stderr)

  const report = JSON.parse(readFileSync(join(out, 'bench.json'), 'utf8')) as BenchReport
  t.ok(report.machine.cores > 0 && report.machine.cpu !== '' && report.machine.os !== '', 'the machine')
  t.equal(report.node, process.version)
  t.ok(Date.now() - Date.parse(report.date) < 10 * 60_000, 'the date')
  const byName = new Map(report.cases.map((c) => [c.case, c]))
  for (const name of STREAM_CASES) {
    const c = byName.get(name)
    t.equal(c?.docs, DOCS, `${name}: every document`)
    t.ok((c?.docsPerSec ?? 0) > 0 && (c?.mbPerSec ?? 0) > 0, `${name}: a positive rate`)
    t.ok((c?.peakRssMB ?? 0) > 10, `${name}: the process's peak RSS (${c?.peakRssMB} MB)`)
    t.match(c?.group, /^small\.msgpack: 3,000 docs/)
  }
  t.same(report.cases.filter((c) => c.ceiling).map((c) => c.case), STREAM_CASES.slice(0, 2), 'the ceilings')
  t.same(Object.keys(byName.get('flowkit replay')?.ratios ?? {}), STREAM_CASES.slice(0, 2), 'the replay is related to both ceilings')
  t.equal(byName.get('flowkit replay')?.bytes, byName.get('pre-serialized write')?.bytes, 'in JSON, the replay writes the pre-serialized frames, byte for byte')
  const hello = byName.get('acmeCo/source-hello end to end')
  t.equal(hello?.docs, 4000, 'the capture of the catalog: both bindings, every document committed')
  t.ok((hello?.docsPerSec ?? 0) > 0 && hello?.ceiling === false)

  const table = readFileSync(join(out, 'bench.md'), 'utf8')
  t.match(table, /^\| stream \/ group \| case \| docs\/s \| MB\/s \| peak RSS MB \| vs ceilings \|$/m)
  for (const name of [...STREAM_CASES, 'acmeCo/source-hello end to end']) t.match(table, name, `the table names ${name}`)
  t.ok(run.stdout.startsWith(table), 'the table is printed')

  const elements = parseSvg(readFileSync(join(out, 'bench.svg'), 'utf8'))
  t.same(
    elements.filter((e) => e.name === 'rect' && e.attributes.class === 'bar').map((e) => e.attributes['data-case']),
    report.cases.map((c) => c.case),
    'a bar per case',
  )
  const labels = elements.filter((e) => e.attributes.class === 'label').map((e) => e.text)
  t.match(labels[2], /docs\/s, .* MB\/s · \d+\.\d\d× pre-serialized write, \d+\.\d\d× JSON\.parse \+ stringify loop$/, 'the replay bar is labelled with its ratios')

  t.match(run.stdout, /CPU profile of flowkit replay .*small\.msgpack/)
  const lines = run.stdout.split('\n').filter((line) => /^\s*\d+\.\d%  \S/.test(line))
  t.ok(lines.length >= 5, `function lines with percentages:\n${lines.slice(0, 5).join('\n')}`)
  t.ok(readdirSync(out).includes('replay-small.cpuprofile'), 'the profile is kept in --out')
})

/** Runs the command in this process, its output collected. */
async function benchHere(args: string[]): Promise<string> {
  let text = ''
  const collect = (into: (chunk: string) => void) => new Writable({ write: (chunk: Buffer, _encoding, done) => (into(chunk.toString()), done()) })
  await bench(parseBenchArgs(args), collect((chunk) => (text += chunk)), collect(() => {}))
  return text
}

t.test('--json prints the report', async (t) => {
  const report = JSON.parse(await benchHere([stream, '--runs', '1', '--json', '--out', join(dir, 'json')])) as BenchReport
  t.same(report.cases.map((c) => [c.case, c.docs]), STREAM_CASES.map((name) => [name, DOCS]))
  t.ok(existsSync(join(dir, 'json', 'bench.svg')))
})

t.test('a missing or corrupt stream fails naming the file and the offset', async (t) => {
  const missing = join(dir, 'missing.msgpack')
  const gone = await runCli(['bench', missing, '--out', join(dir, 'none')])
  t.equal(gone.code, 1)
  t.match(gone.stderr, `flowkit bench: cannot read sample stream ${missing}: ENOENT`)

  const bytes = readFileSync(stream)
  const truncated = join(dir, 'truncated.msgpack')
  writeFileSync(truncated, bytes.subarray(0, bytes.length - 7))
  await t.rejects(benchHere([truncated, '--out', join(dir, 'none')]), { code: 'FRAME_TRUNCATED', message: new RegExp(`^${truncated}: sample stream truncated at offset \\d+`) })

  const corrupt = join(dir, 'corrupt.msgpack')
  const changed = Buffer.from(bytes)
  const at = changed.indexOf(0x93, 200)
  changed[at] = 0x42
  writeFileSync(corrupt, changed)
  await t.rejects(benchHere([corrupt, '--out', join(dir, 'none')]), { code: 'FRAME_INVALID', message: `${corrupt}: sample stream corrupt at offset ${at}: expected an entry` })
  t.notOk(existsSync(join(dir, 'none')), 'nothing is measured or written')
})
