/**
 * An Airbyte source for the shim bench, as fast as a source can be: `spec` answers, and `read`
 * copies the file BENCH_RECORDS_FILE (RECORD and STATE lines written by bench/cases/shim.ts
 * before the rounds) to stdout in 64 KiB chunks. No flowkit imports.
 */
import { createReadStream } from 'node:fs'
import { pipeline } from 'node:stream/promises'

const command = process.argv[2]
if (command === 'spec') {
  process.stdout.write('{"type":"SPEC","spec":{"connectionSpecification":{"type":"object"}}}\n')
} else if (command === 'read') {
  const file = process.env.BENCH_RECORDS_FILE
  if (file === undefined) throw new Error('BENCH_RECORDS_FILE must name the records to emit')
  await pipeline(createReadStream(file, { highWaterMark: 64 * 1024 }), process.stdout)
}
