/**
 * A benchmark report as a markdown table: one row per case, grouped (the group named on its
 * first row), ceilings marked, each case's ratios to its ceilings spelled out.
 */
import { describeRun, formatCount, formatRatios, groupsOf, type BenchReport } from './bench-results.ts'

/** The table, with a line above it saying where and how it was measured. */
export function renderMarkdown(report: BenchReport): string {
  const lines = [
    `\`${report.command}\` — ${describeRun(report)}`,
    '',
    '| stream / group | case | docs/s | MB/s | peak RSS MB | vs ceilings |',
    '|---|---|--:|--:|--:|---|',
  ]
  for (const { group, cases } of groupsOf(report.cases)) {
    cases.forEach((c, i) => {
      const cells = [
        i === 0 ? cell(group) : '',
        c.ceiling ? `${cell(c.case)} (ceiling)` : `**${cell(c.case)}**`,
        c.docsPerSec === undefined ? '' : formatCount(c.docsPerSec),
        c.mbPerSec >= 10 ? c.mbPerSec.toFixed(0) : c.mbPerSec.toFixed(1),
        c.peakRssMB === undefined ? '' : c.peakRssMB.toFixed(0),
        cell(formatRatios(c)),
      ]
      lines.push(`| ${cells.join(' | ')} |`)
    })
  }
  return `${lines.join('\n')}\n`
}

/** Text safe inside a table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ')
}
