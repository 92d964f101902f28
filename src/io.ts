import * as core from '@actions/core'

/**
 * Everything the action says to the runner. `main.ts` binds it to @actions/core; tests pass a
 * recorder. Wrapping it with `redacting()` keeps secrets out of every message, output and summary,
 * not only in the runner's masked log: a driver error that embeds the database URL stays hidden
 * even where no runner masks it.
 */
export interface ActionIO {
  getInput(name: string): string
  setSecret(secret: string): void
  setOutput(name: string, value: string): void
  info(message: string): void
  notice(message: string): void
  warning(message: string): void
  setFailed(message: string): void
  /** Appends Markdown to the job summary; false when there is no summary file (outside a runner). */
  writeSummary(markdown: string): Promise<boolean>
}

export function coreIO(): ActionIO {
  return {
    getInput: (name) => core.getInput(name),
    setSecret: (secret) => core.setSecret(secret),
    setOutput: (name, value) => core.setOutput(name, value),
    info: (message) => core.info(message),
    notice: (message) => core.notice(message),
    warning: (message) => core.warning(message),
    setFailed: (message) => core.setFailed(message),
    writeSummary: async (markdown) => {
      if (!process.env.GITHUB_STEP_SUMMARY) return false
      await core.summary.addRaw(markdown, true).write()
      return true
    }
  }
}

export function redacting(io: ActionIO): ActionIO {
  // Longest first, so a URL is replaced whole before its password is.
  const secrets: string[] = []
  const redact = (text: string): string => secrets.reduce((out, secret) => out.split(secret).join('***'), text)
  return {
    getInput: (name) => io.getInput(name),
    setSecret: (secret) => {
      if (secret === '' || secrets.includes(secret)) return
      secrets.push(secret)
      secrets.sort((a, b) => b.length - a.length)
      io.setSecret(secret)
    },
    setOutput: (name, value) => io.setOutput(name, redact(value)),
    info: (message) => io.info(redact(message)),
    notice: (message) => io.notice(redact(message)),
    warning: (message) => io.warning(redact(message)),
    setFailed: (message) => io.setFailed(redact(message)),
    writeSummary: (markdown) => io.writeSummary(redact(markdown))
  }
}
