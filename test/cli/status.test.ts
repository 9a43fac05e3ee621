// The progress of `flowkit preview`: the formatting, the line redrawn in place on a terminal
// (played on a fake terminal, with log lines written through it), the plain line elsewhere,
// and the periodic line of a spawned preview whose stderr is a pipe.
import t from 'tap'
import { rmSync } from 'node:fs'
import { CLEAR_LINE, fitLine, formatBytes, formatCount, formatStatus, PreviewStatus } from '../../lib/cli/status.ts'
import { helloCopy, jsonLines, runCli, tempDir } from '../helpers/cli.ts'

const dir = tempDir()
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

t.test('numbers', async (t) => {
  t.same([0, 7, 999, 1000, 12_000, 1_234_567].map(formatCount), ['0', '7', '999', '1,000', '12,000', '1,234,567'])
  t.same(
    [0, 512, 999, 1000, 3_400, 12_345, 999_999, 3_400_000, 590_000_000, 1_200_000_000, 5e15].map(formatBytes),
    ['0 B', '512 B', '999 B', '1.0 kB', '3.4 kB', '12 kB', '1.0 MB', '3.4 MB', '590 MB', '1.2 GB', '5,000 TB'],
  )
})

const collections = (entries: [string, number][]) => new Map(entries)

t.test('the status line', async (t) => {
  t.equal(
    formatStatus(
      { documents: 12_000, bytes: 3_400_000, transactions: 12, collections: collections([['acmeCo/greetings', 6_000], ['acmeCo/events', 6_000]]) },
      { documentsPerSecond: 2_100.4, bytesPerSecond: 590_000 },
    ),
    'preview: 12,000 documents (3.4 MB; 2,100/s, 590 kB/s) in 12 transactions; acmeCo/greetings 6,000, acmeCo/events 6,000',
  )
  t.equal(
    formatStatus({ documents: 1, bytes: 20, transactions: 1, collections: collections([['a', 1], ['b', 0]]) }, { documentsPerSecond: 0.4, bytesPerSecond: 8 }),
    'preview: 1 document (20 B; 0/s, 8 B/s) in 1 transaction; a 1',
    'singular; collections without documents are left out',
  )
  t.equal(formatStatus({ documents: 0, bytes: 0, transactions: 0, collections: collections([['a', 0]]) }, { documentsPerSecond: 0, bytesPerSecond: 0 }), 'preview: 0 documents (0 B; 0/s, 0 B/s) in 0 transactions')
  const many = collections(Array.from({ length: 11 }, (_, i) => [`c${i}`, i + 1] as [string, number]))
  t.match(formatStatus({ documents: 66, bytes: 1, transactions: 1, collections: many }, { documentsPerSecond: 0, bytesPerSecond: 0 }), /; c0 1, c1 2, c2 3, c3 4, c4 5, c5 6, c6 7, c7 8, 3 more$/)
  t.equal(fitLine('x'.repeat(30), 20), 'x'.repeat(18) + '…', 'one column short of the width, so the terminal never wraps it')
  t.equal(fitLine('short', 20), 'short')
})

/**
 * A terminal as far as the status uses one: `\r` goes to the start of the line, ESC[2K erases
 * it, `\n` starts a new line, other characters are written at the cursor.
 */
function terminal() {
  const lines: string[] = ['']
  let column = 0
  const writes: string[] = []
  return {
    isTTY: true,
    columns: 120,
    writes,
    write(text: string) {
      writes.push(text)
      for (let i = 0; i < text.length; i++) {
        if (text.startsWith('\x1b[2K', i)) {
          lines[lines.length - 1] = ''
          i += 3
        } else if (text[i] === '\r') column = 0
        else if (text[i] === '\n') {
          lines.push('')
          column = 0
        } else {
          const line = lines[lines.length - 1] as string
          lines[lines.length - 1] = line.slice(0, column).padEnd(column) + text[i] + line.slice(column + 1)
          column++
        }
      }
      return true
    },
    /** The screen: every line, the one the cursor is on last. */
    get screen() {
      return [...lines]
    },
  }
}

const docs = (binding: number, n: number, doc = '{"id":1}') => Array.from({ length: n }, () => [binding, doc] as const)

t.test('on a terminal: one line redrawn in place, logs above it, gone at the end', async (t) => {
  const tty = terminal()
  let now = 1_000_000
  const status = new PreviewStatus(tty, { collections: ['acmeCo/greetings', 'acmeCo/events'], now: () => now, timers: false })
  t.equal(status.inPlace, true)

  status.write('INFO capture session opened\n')
  t.same(tty.writes, ['INFO capture session opened\n'], 'before the first draw, text goes as it is')

  status.tick()
  t.equal(tty.writes.at(-1), `${CLEAR_LINE}preview: 0 documents (0 B; 0/s, 0 B/s) in 0 transactions`)

  status.transaction(docs(0, 300))
  status.transaction(docs(1, 200))
  now += 1000
  status.tick()
  const line = 'preview: 500 documents (4.0 kB; 500/s, 4.0 kB/s) in 2 transactions; acmeCo/greetings 300, acmeCo/events 200'
  t.equal(tty.writes.at(-1), CLEAR_LINE + line)
  t.same(tty.screen, ['INFO capture session opened', line])

  status.write('WARN slow down\n')
  t.equal(tty.writes.at(-1), `${CLEAR_LINE}WARN slow down\n${line}`, 'cleared, the log, the line again: one write')
  status.write('no newline')
  t.same(tty.screen, ['INFO capture session opened', 'WARN slow down', 'no newline', line])

  // Rates are over the last five seconds or so.
  for (let i = 0; i < 10; i++) {
    now += 1000
    status.tick()
  }
  t.match(tty.writes.at(-1), /\(4\.0 kB; 0\/s, 0 B\/s\)/, 'nothing new for ten seconds: the rates fall to 0')
  status.transaction(docs(0, 1000, '{"id":"' + 'x'.repeat(992) + '"}'))
  now += 1000
  status.tick()
  t.match(tty.writes.at(-1), /^\r\x1b\[2Kpreview: 1,500 documents \(1\.0 MB; 2\d\d\/s, 2\d\d kB\/s\) in 3 transactions; acmeCo\/greetings 1,300, acmeCo\/events 200$/)

  // Documents written to the same terminal: the line is taken off, and drawn at the next tick.
  status.hide()
  t.equal(tty.writes.at(-1), CLEAR_LINE)
  tty.write('["acmeCo/greetings",{"id":1}]\n')
  status.write('INFO while hidden\n')
  t.equal(tty.writes.at(-1), 'INFO while hidden\n')
  status.tick()
  t.equal(tty.writes.at(-1), 'INFO while hidden\n', 'no redraw while hidden')
  status.show()
  status.tick()
  t.match(tty.writes.at(-1), /^\r\x1b\[2Kpreview: 1,500 documents/)

  status.stop()
  t.equal(tty.writes.at(-1), CLEAR_LINE)
  const count = tty.writes.length
  status.tick()
  status.stop()
  t.equal(tty.writes.length, count, 'nothing after stop')
  status.write('flowkit preview: an error\n')
  t.same(tty.screen, ['INFO capture session opened', 'WARN slow down', 'no newline', '["acmeCo/greetings",{"id":1}]', 'INFO while hidden', 'flowkit preview: an error', ''])
})

t.test('a narrow terminal: the line is cut to fit', async (t) => {
  const tty = terminal()
  tty.columns = 40
  const status = new PreviewStatus(tty, { collections: ['acmeCo/greetings'], now: () => 0, timers: false })
  status.tick()
  t.equal(tty.writes.at(-1), `${CLEAR_LINE}preview: 0 documents (0 B; 0/s, 0 B/s)…`)
  t.equal((tty.writes.at(-1) as string).length - CLEAR_LINE.length, 39)
})

t.test('on a terminal, with timers: redrawn a few times a second at most', async (t) => {
  const tty = terminal()
  const status = new PreviewStatus(tty, { collections: ['a'] })
  await new Promise((resolve) => setTimeout(resolve, 1100))
  status.stop()
  const draws = tty.writes.filter((text) => text.startsWith(CLEAR_LINE + 'preview:')).length
  t.ok(draws >= 1 && draws <= 5, `${draws} draws in 1.1 s: drawn, at most every 250 ms (a slow machine may draw fewer)`)
  t.same(tty.screen, [''], 'nothing left on the screen')
})

t.test('not a terminal: a plain line per interval, rates since the last one', async (t) => {
  const writes: string[] = []
  let now = 0
  const status = new PreviewStatus({ isTTY: false, write: (text: string) => writes.push(text) }, { collections: ['acmeCo/greetings', 'acmeCo/events'], now: () => now, timers: false })
  t.equal(status.inPlace, false)
  status.transaction([...docs(0, 6000, '{"id":1,"pad":"' + 'x'.repeat(266) + '"}'), ...docs(1, 6000, '{"id":1,"pad":"' + 'x'.repeat(266) + '"}')])
  now = 10_000
  status.tick()
  t.same(writes, ['preview: 12,000 documents (3.4 MB; 1,200/s, 340 kB/s) in 1 transaction; acmeCo/greetings 6,000, acmeCo/events 6,000\n'])
  status.write('INFO a log\n')
  status.hide()
  status.transaction(docs(1, 1000))
  now = 20_000
  status.tick()
  status.stop()
  t.same(writes.slice(1), ['INFO a log\n', 'preview: 13,000 documents (3.4 MB; 100/s, 800 B/s) in 2 transactions; acmeCo/greetings 6,000, acmeCo/events 7,000\n'])
})

t.test('a spawned preview writes the line at --status-interval when stderr is not a terminal', async (t) => {
  const source = helloCopy(dir, 'status.flow.yaml', (_catalog, local) => (local.config = { count: 60_000, checkpointEvery: 500, docBytes: 64 }))
  const run = await runCli(['preview', '--source', source, '--status-interval', '200ms'])
  t.equal(run.code, 0, run.stderr)
  t.equal(jsonLines(run.stdout).length, 120_000)
  t.notMatch(run.stderr, /[\r\x1b]/, 'no terminal controls')
  const lines = run.stderr.split('\n').filter((line) => line.startsWith('preview: '))
  t.ok(lines.length >= 2, `${lines.length} progress lines`)
  for (const line of lines) {
    t.match(line, /^preview: [\d,]+ documents? \([\d.,]+ [kMG]?B; [\d,]+\/s, [\d.,]+ [kMG]?B\/s\) in [\d,]+ transactions?(; acmeCo\/greetings [\d,]+, acmeCo\/events [\d,]+)?$/)
  }
  const counted = lines.map((line) => Number((/^preview: ([\d,]+)/.exec(line)?.[1] as string).replaceAll(',', '')))
  t.same(counted, [...counted].sort((a, b) => a - b), 'the counts only grow')
  t.ok(counted.some((n) => n > 0), 'documents were counted while the preview ran')
  t.match(run.stderr, /^INFO capture session opened /m, 'the connector logs go between the lines, whole')
})

t.test('--status-interval 0: no progress; a bad interval is a usage error', async (t) => {
  const source = helloCopy(dir, 'quiet.flow.yaml', (_catalog, local) => (local.config = { count: 3, checkpointEvery: 2 }))
  const [quiet, bad] = await Promise.all([
    runCli(['preview', '--source', source, '--status-interval', '0']),
    runCli(['preview', '--source', source, '--status-interval', '10']),
  ])
  t.equal(quiet.code, 0, quiet.stderr)
  t.notMatch(quiet.stderr, /^preview: /m)
  t.equal(bad.code, 2)
  t.match(bad.stderr, /^flowkit preview: --status-interval must be a duration such as 500ms, 30s or 5m; got "10"\n$/)
})
