/**
 * A runner's state file: one JSON value, replaced whole so that a reader (or a run killed at
 * any point) sees either the old value or the new one, never a mix.
 */
import { open, readFile, rename } from 'node:fs/promises'
import { ConfigError, messageOf } from '../errors.ts'

/** The JSON value in `file`, or undefined when there is no such file. Throws a ConfigError for a file that cannot be read or is not JSON. */
export async function readStateFile(file: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new ConfigError(`cannot read state file ${file}: ${messageOf(error)}`, { cause: error })
  }
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new ConfigError(`state file ${file} is not JSON: ${messageOf(error)}`, { cause: error })
  }
}

/** Replaces the state file whole: written beside it, flushed to disk, then renamed over it. Resolves once the rename is done. */
export async function replaceStateFile(file: string, value: unknown): Promise<void> {
  const temporary = `${file}.tmp`
  const handle = await open(temporary, 'w')
  try {
    await handle.writeFile(JSON.stringify(value) + '\n')
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(temporary, file)
}
