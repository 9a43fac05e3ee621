/**
 * Writes a benchmark report into a directory: `bench.json` (the report), `bench.md` (the
 * table) and `bench.svg` (the chart). Each file is replaced whole.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { renderChart } from './bench-chart.ts'
import { renderMarkdown } from './bench-markdown.ts'
import type { BenchReport } from './bench-results.ts'

export interface WrittenReport {
  readonly json: string
  readonly markdown: string
  readonly svg: string
}

export function writeReport(report: BenchReport, dir: string): WrittenReport {
  mkdirSync(dir, { recursive: true })
  const written = { json: join(dir, 'bench.json'), markdown: join(dir, 'bench.md'), svg: join(dir, 'bench.svg') }
  writeFileSync(written.json, `${JSON.stringify(report, null, 2)}\n`)
  writeFileSync(written.markdown, renderMarkdown(report))
  writeFileSync(written.svg, renderChart(report))
  return written
}
