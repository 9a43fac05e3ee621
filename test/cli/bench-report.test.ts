// The benchmark report's renderings from fixed numbers: the markdown table (exact text), the
// SVG chart (well-formed, a bar per case scaled within its group, throughput and ratio labels,
// names escaped), and the results built from measured groups (ceilings and ratios).
import t from 'tap'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { renderChart } from '../../lib/cli/bench-chart.ts'
import { renderMarkdown } from '../../lib/cli/bench-markdown.ts'
import type { Measurement } from '../../lib/cli/bench-measure.ts'
import { writeReport } from '../../lib/cli/bench-report.ts'
import { resultsOf, type BenchCaseResult, type BenchReport } from '../../lib/cli/bench-results.ts'
import { parseSvg } from '../helpers/svg.ts'

const stream = 'small.msgpack: 3,000 docs of ~93 B'
const cases: BenchCaseResult[] = [
  { group: stream, case: 'pre-serialized write', ceiling: true, docs: 3000, bytes: 400_000, frames: 3003, seconds: 0.002, docsPerSec: 1_500_000, mbPerSec: 200, peakRssMB: 90, ratios: {} },
  { group: stream, case: 'JSON.parse + stringify loop', ceiling: true, docs: 3000, bytes: 400_000, frames: 3003, seconds: 0.006, docsPerSec: 500_000, mbPerSec: 66.7, peakRssMB: 85, ratios: { 'pre-serialized write': 1 / 3 } },
  { group: stream, case: 'flowkit replay', ceiling: false, docs: 3000, bytes: 400_000, frames: 3003, seconds: 0.0025, docsPerSec: 1_200_000, mbPerSec: 160, peakRssMB: 120, ratios: { 'pre-serialized write': 0.8, 'JSON.parse + stringify loop': 2.4 } },
  { group: 'codec <raw> & "bytes"', case: 'copy', ceiling: true, bytes: 1e8, frames: 10, seconds: 0.05, mbPerSec: 2000, ratios: {} },
  { group: 'codec <raw> & "bytes"', case: 'a | b <encode>', ceiling: false, bytes: 1e8, frames: 10, seconds: 0.2, mbPerSec: 500, ratios: { copy: 0.25 } },
]
const report: BenchReport = {
  command: 'flowkit bench small.msgpack --runs 1',
  date: '2026-01-02T03:04:05.000Z',
  node: 'v20.0.0',
  machine: { os: 'linux 6.1 x64', cpu: 'Test CPU', cores: 2, memoryGB: 8 },
  runs: 1,
  cases,
}

t.test('the markdown table: a row per case, the group on its first row, ceilings marked, ratios spelled out', async (t) => {
  t.equal(
    renderMarkdown(report),
    [
      '`flowkit bench small.msgpack --runs 1` — 2026-01-02 03:04 UTC, node v20.0.0, linux 6.1 x64, Test CPU × 2 cores, 8 GB; best of 1 run',
      '',
      '| stream / group | case | docs/s | MB/s | peak RSS MB | vs ceilings |',
      '|---|---|--:|--:|--:|---|',
      '| small.msgpack: 3,000 docs of ~93 B | pre-serialized write (ceiling) | 1.50 M | 200 | 90 |  |',
      '|  | JSON.parse + stringify loop (ceiling) | 500.0 k | 67 | 85 | 0.33× pre-serialized write |',
      '|  | **flowkit replay** | 1.20 M | 160 | 120 | 0.80× pre-serialized write, 2.40× JSON.parse + stringify loop |',
      '| codec <raw> & "bytes" | copy (ceiling) |  | 2000 |  |  |',
      '|  | **a \\| b <encode>** |  | 500 |  | 0.25× copy |',
      '',
    ].join('\n'),
  )
})

t.test('the SVG chart: well-formed, a bar per case scaled within its group, labelled', async (t) => {
  const svg = renderChart(report)
  const elements = parseSvg(svg)
  const bars = elements.filter((e) => e.name === 'rect' && e.attributes.class === 'bar')
  t.same(
    bars.map((b) => b.attributes['data-case']),
    cases.map((c) => c.case),
    'one bar per case, in order, named (special characters decoded back)',
  )
  const width = (name: string) => Number(bars.find((b) => b.attributes['data-case'] === name)?.attributes.width)
  t.equal(width('pre-serialized write'), 360, 'the fastest case of a group spans the full width')
  t.equal(width('flowkit replay'), 288, 'docs/s scale: 1.2 M of 1.5 M')
  t.equal(width('JSON.parse + stringify loop'), 120)
  t.equal(width('a | b <encode>'), 90, 'a group without document counts is scaled by MB/s')
  t.not(bars[0]?.attributes.fill, bars[2]?.attributes.fill, 'ceilings and cases differ in colour')
  const labels = elements.filter((e) => e.name === 'text' && e.attributes.class === 'label').map((e) => e.text)
  t.same(labels, [
    '1.50 M docs/s, 200 MB/s',
    '500.0 k docs/s, 67 MB/s · 0.33× pre-serialized write',
    '1.20 M docs/s, 160 MB/s · 0.80× pre-serialized write, 2.40× JSON.parse + stringify loop',
    '2000 MB/s',
    '500 MB/s · 0.25× copy',
  ])
  const texts = elements.filter((e) => e.name === 'text').map((e) => e.text)
  t.ok(texts.includes(stream) && texts.includes('codec <raw> & "bytes"'), 'a heading per group')
  t.ok(texts.some((text) => text.includes('Test CPU × 2 cores')), 'the machine is named')
  t.equal(renderChart(report), svg, 'the same numbers give the same chart')
})

t.test('writeReport writes the JSON, the table and the chart', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flowkit-bench-report-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const written = writeReport(report, join(dir, 'out'))
  t.same(JSON.parse(readFileSync(written.json, 'utf8')), report)
  t.equal(readFileSync(written.markdown, 'utf8'), renderMarkdown(report))
  t.equal(readFileSync(written.svg, 'utf8'), renderChart(report))
})

t.test('results of a measured group: ceilings as named, ratios to the ceiling and to targets, none to itself', async (t) => {
  const base = { mbPerSec: 1, framesPerSec: 1, bytes: 1, frames: 1, seconds: 1, ceiling: 'prebuilt' }
  const measured: Measurement[] = [
    { ...base, case: 'prebuilt', ratioToCeiling: 1 },
    { ...base, case: 'loop', ratioToCeiling: 0.5, docs: 10, docsPerSec: 10 },
    { ...base, case: 'replay', ratioToCeiling: 0.9, targets: [{ versus: 'loop', ratio: 1.8 }, { peakRssMB: 50, peakRssBelowMB: 100, met: true }], peakRssMB: 50 },
  ]
  const results = resultsOf('g', measured, ['prebuilt', 'loop'])
  t.same(
    results.map((r) => [r.case, r.ceiling, r.ratios]),
    [
      ['prebuilt', true, {}],
      ['loop', true, { prebuilt: 0.5 }],
      ['replay', false, { prebuilt: 0.9, loop: 1.8 }],
    ],
  )
  t.equal(results[2]?.peakRssMB, 50)
  t.equal(results[1]?.docs, 10)
  t.same(resultsOf('g', measured).map((r) => r.ceiling), [true, false, false], 'by default only the group ceiling is one')
})
