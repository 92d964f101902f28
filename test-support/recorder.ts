import type { ActionIO } from '../src/io.js'
import { captureForSecretScan } from './secret-capture.js'

/** An ActionIO that records everything the action says, for assertions. */
export interface Recorder extends ActionIO {
  inputs: Record<string, string>
  outputs: Record<string, string>
  secrets: string[]
  logs: string[]
  notices: string[]
  warnings: string[]
  failed: string | undefined
  summary: string
  /** Everything printed or published, for secret scans. */
  everything(): string
}

export function recorder(inputs: Record<string, string>, env: Record<string, string | undefined> = {}): Recorder {
  const capture = (text: string) => captureForSecretScan(inputs, env, text)
  const r: Recorder = {
    inputs,
    outputs: {},
    secrets: [],
    logs: [],
    notices: [],
    warnings: [],
    failed: undefined,
    summary: '',
    getInput: (name) => inputs[name] ?? '',
    setSecret: (s) => void r.secrets.push(s),
    setOutput: (name, value) => {
      r.outputs[name] = value
      capture(value)
    },
    info: (m) => {
      r.logs.push(m)
      capture(m)
    },
    notice: (m) => {
      r.notices.push(m)
      capture(m)
    },
    warning: (m) => {
      r.warnings.push(m)
      capture(m)
    },
    setFailed: (m) => {
      r.failed = m
      capture(m)
    },
    writeSummary: async (md) => {
      r.summary += md
      capture(md)
      return true
    },
    everything: () => [...r.logs, ...r.notices, ...r.warnings, r.failed ?? '', r.summary, ...Object.values(r.outputs)].join('\n')
  }
  return r
}
