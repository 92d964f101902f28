import type { ActionIO } from '../src/io.js'

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

export function recorder(inputs: Record<string, string>): Recorder {
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
    setOutput: (name, value) => void (r.outputs[name] = value),
    info: (m) => void r.logs.push(m),
    notice: (m) => void r.notices.push(m),
    warning: (m) => void r.warnings.push(m),
    setFailed: (m) => void (r.failed = m),
    writeSummary: async (md) => {
      r.summary += md
      return true
    },
    everything: () =>
      [...r.logs, ...r.notices, ...r.warnings, r.failed ?? '', r.summary, ...Object.values(r.outputs)].join('\n')
  }
  return r
}
