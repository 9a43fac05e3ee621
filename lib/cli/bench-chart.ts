/**
 * A benchmark report as an SVG bar chart that reads at a glance: a section per group (a sample
 * stream), a horizontal bar per case, ceilings in grey and the cases under test in blue. A bar
 * is documents per second, or MB/s in a group whose cases do not all count documents. Bars
 * are scaled within their group (the fastest case of the group spans the full width), since
 * streams of different documents differ by orders of magnitude; each bar is labelled with its
 * throughput and, for a case, its ratio to each ceiling. Plain SVG 1.1, no script, no styles
 * from outside: it renders the same in a browser, an editor's preview and on GitHub.
 */
import { describeRun, formatRatios, formatThroughput, groupsOf, type BenchCaseResult, type BenchReport } from './bench-results.ts'

const FONT = 'font-family="Helvetica, Arial, sans-serif"'
/** Rough width of a character at 12 px, for laying out names without measuring text. */
const CHAR = 6.6
const BAR_AREA = 360
const ROW = 26
const BAR = 16
const GROUP_HEAD = 28
const TOP = 68
const CEILING_FILL = '#a7b0ba'
const CASE_FILL = '#2f6fbf'

/** The chart as an SVG document. */
export function renderChart(report: BenchReport): string {
  const groups = groupsOf(report.cases)
  const nameWidth = Math.ceil(Math.max(120, ...report.cases.map((c) => c.case.length * CHAR)) + 24)
  const labelRoom = Math.ceil(Math.max(300, ...report.cases.map((c) => labelOf(c).length * 6.2)) + 16)
  const width = nameWidth + BAR_AREA + labelRoom
  const body: string[] = []
  let y = TOP
  for (const { group, cases } of groups) {
    body.push(text(12, y + 18, group, 'font-size="13" font-weight="bold"'))
    y += GROUP_HEAD
    const measure = cases.every((c) => c.docsPerSec !== undefined) ? (c: BenchCaseResult) => c.docsPerSec ?? 0 : (c: BenchCaseResult) => c.mbPerSec
    const top = Math.max(...cases.map(measure))
    for (const c of cases) {
      body.push(caseRow(c, y, nameWidth, measure(c) / top))
      y += ROW
    }
    y += 8
  }
  const height = y + 28
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    text(12, 22, 'Throughput by case: documents/s (MB/s where a group does not count documents), bars scaled within each group', 'font-size="14" font-weight="bold"'),
    text(12, 40, shorten(report.command, 150), 'font-size="11" fill="#555555"'),
    text(12, 55, describeRun(report), 'font-size="11" fill="#555555"'),
    ...body,
    `<rect x="12" y="${height - 20}" width="12" height="10" fill="${CEILING_FILL}"/>`,
    text(30, height - 11, 'ceiling (same output without the work under test)', 'font-size="11" fill="#555555"'),
    `<rect x="330" y="${height - 20}" width="12" height="10" fill="${CASE_FILL}"/>`,
    text(348, height - 11, 'case measured; label: throughput, then ratio to each ceiling', 'font-size="11" fill="#555555"'),
    '</svg>',
    '',
  ].join('\n')
}

/** A case's bar (`fraction` of the full width; named by `data-case` for readers of the SVG), its name, and its labels. */
function caseRow(c: BenchCaseResult, y: number, nameWidth: number, fraction: number): string {
  const length = Number.isFinite(fraction) ? Math.max(1, fraction * BAR_AREA) : 1
  const ratios = formatRatios(c)
  const x = (nameWidth + length + 6).toFixed(1)
  const colour = c.ceiling ? ' fill="#555555"' : ''
  const ratioText = ratios === '' ? '' : ` · <tspan font-weight="bold">${escape(ratios)}</tspan>`
  return [
    text(nameWidth - 8, y + 12.5, c.case, 'font-size="12" text-anchor="end"'),
    `<rect class="bar" data-case="${escape(c.case)}" x="${nameWidth}" y="${y}" width="${length.toFixed(1)}" height="${BAR}" fill="${c.ceiling ? CEILING_FILL : CASE_FILL}"/>`,
    `<text class="label" x="${x}" y="${(y + 12.5).toFixed(1)}" font-size="11"${colour}>${escape(formatThroughput(c))}${ratioText}</text>`,
  ].join('\n')
}

/** A bar's label as plain text: throughput, then the ratios. */
function labelOf(c: BenchCaseResult): string {
  const ratios = formatRatios(c)
  return ratios === '' ? formatThroughput(c) : `${formatThroughput(c)} · ${ratios}`
}

function text(x: number, y: number, content: string, attributes: string): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attributes}>${escape(content)}</text>`
}

function shorten(content: string, max: number): string {
  return content.length <= max ? content : `${content.slice(0, max - 1)}…`
}

function escape(content: string): string {
  return content.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}
