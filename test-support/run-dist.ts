import { spawn, type ChildProcess } from 'node:child_process'
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { captureForSecretScan } from './secret-capture.js'

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

export interface DistRun {
  code: number | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  /** When the process exited (performance.now()), before its files were read and removed. */
  exitedAt: number
}

/** Parses a GITHUB_OUTPUT file (`name<<delimiter` … `delimiter` blocks, or `name=value` lines). */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc) {
      const [, name, delimiter] = heredoc
      const value: string[] = []
      while (++i < lines.length && lines[i] !== delimiter) value.push(lines[i]!)
      outputs[name!] = value.join('\n')
    } else if (line.includes('=')) {
      outputs[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1)
    }
  }
  return outputs
}

export interface StartedDist {
  child: ChildProcess
  /** When the process was started (performance.now()): after the copy of dist/, which a runner does not make. */
  spawnedAt: number
  /** Resolves when the process has exited (killed or not), with everything it wrote. */
  done: Promise<DistRun>
}

/**
 * Starts the built action as the runner does: `node dist/index.js` from a copy of dist/ with no
 * node_modules anywhere near it, inputs as INPUT_* variables, outputs and summary in files.
 * `onLine` sees each line of stdout as it arrives (to kill the process at a chosen point).
 */
export async function startDist(
  inputs: Record<string, string>,
  extraEnv: Record<string, string> = {},
  onLine?: (line: string, child: ChildProcess) => void
): Promise<StartedDist> {
  const dir = await mkdtemp(path.join(tmpdir(), 'spm-dist-'))
  await cp(path.join(REPO_ROOT, 'dist'), path.join(dir, 'dist'), { recursive: true })
  const outputFile = path.join(dir, 'output.txt')
  const summaryFile = path.join(dir, 'summary.md')
  await writeFile(outputFile, '')
  await writeFile(summaryFile, '')
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    // The job's scratch directory, as on a runner: the journal CSV goes here and is removed with it.
    RUNNER_TEMP: dir,
    ...extraEnv
  }
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value
  const spawnedAt = performance.now()
  const child = spawn(process.execPath, [path.join(dir, 'dist', 'index.js')], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  let partial = ''
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString()
    partial += d.toString()
    const lines = partial.split('\n')
    partial = lines.pop()!
    for (const line of lines) onLine?.(line, child)
  })
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  let exitedAt = 0
  const done = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      exitedAt = performance.now()
      resolve(code)
    })
  ).then(async (code) => {
    try {
      const outputText = await readFile(outputFile, 'utf8')
      const summary = await readFile(summaryFile, 'utf8')
      // ::add-mask:: lines hand secrets to the runner, which hides them: the one place they belong.
      const printed = stdout
        .split('\n')
        .filter((l) => !l.startsWith('::add-mask::'))
        .join('\n')
      captureForSecretScan(inputs, extraEnv, [printed, stderr, outputText, summary].join('\n'))
      return { code, stdout, stderr, outputs: parseOutputFile(outputText), summary, exitedAt }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
  return { child, spawnedAt, done }
}

export async function runDist(inputs: Record<string, string>, extraEnv: Record<string, string> = {}): Promise<DistRun> {
  return (await startDist(inputs, extraEnv)).done
}
