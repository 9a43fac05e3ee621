// Processes as Linux's /proc shows them: the descendants of a process and their command lines,
// for tests that kill a connector a CLI started rather than the CLI itself.
import { readdirSync, readFileSync } from 'node:fs'

export interface ProcessInfo {
  readonly pid: number
  readonly parent: number
  /** The argv, as /proc/PID/cmdline holds it. */
  readonly argv: readonly string[]
}

/** Every process still alive under `pid` (children, their children, ...), parents before children. */
export function descendantsOf(pid: number): ProcessInfo[] {
  const all = listProcesses()
  const out: ProcessInfo[] = []
  const parents = new Set([pid])
  for (let added = true; added; ) {
    added = false
    for (const info of all) {
      if (!parents.has(info.parent) || parents.has(info.pid)) continue
      parents.add(info.pid)
      out.push(info)
      added = true
    }
  }
  return out
}

function listProcesses(): ProcessInfo[] {
  const out: ProcessInfo[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      // The command name, in parentheses, may hold spaces and parentheses: the fields follow the last ')'.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (fields[0] === 'Z') continue
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').filter((arg) => arg !== '')
      out.push({ pid: Number(name), parent: Number(fields[1]), argv })
    } catch {
      // It exited while being read.
    }
  }
  return out
}

/** Whether the process exists and is not a zombie (exited, waiting to be reaped). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}

/** Whether every process exits within `ms`; those that do not are killed (SIGKILL). */
export async function allExit(pids: readonly number[], ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
  const left = pids.filter(isAlive)
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // It exited meanwhile.
    }
  }
  return left.length === 0
}
