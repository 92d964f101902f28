import * as core from '@actions/core'

/**
 * Everything the action says to the runner. `main.ts` binds it to @actions/core; tests pass a
 * recorder. Wrapping it with `redacting()` keeps secrets out of every message, output and summary,
 * not only in the runner's masked log: a driver error that embeds the database URL stays hidden
 * even where no runner masks it.
 */
export interface ActionIO {
  getInput(name: string): string
  /** Registers a secret with the runner, which then masks it in the log. */
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

export interface RedactingIO extends ActionIO {
  /**
   * A password too common to mask everywhere (`1000`, `test`): removed only where it stands as a
   * password (`:1000@`, `password=1000`), and not registered with the runner.
   */
  setWeakSecret(secret: string): void
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

export function redacting(io: ActionIO): RedactingIO {
  // Longest first, so a URL is replaced whole before its password is.
  const strong: string[] = []
  const weak: RegExp[] = []
  const redact = (text: string): string => {
    let out = strong.reduce((acc, secret) => acc.split(secret).join('***'), text)
    for (const pattern of weak) out = out.replace(pattern, '$1***$2')
    return out
  }
  return {
    getInput: (name) => io.getInput(name),
    setSecret: (secret) => {
      if (secret === '' || strong.includes(secret)) return
      strong.push(secret)
      strong.sort((a, b) => b.length - a.length)
      io.setSecret(secret)
    },
    setWeakSecret: (secret) => {
      if (secret === '') return
      const s = escapeRegExp(secret)
      // In a URL's userinfo (`user:secret@`), and as a password= / "password": value.
      weak.push(new RegExp(`(:)${s}(@)`, 'g'), new RegExp(`(password\\s*[=:]\\s*["']?)${s}()(?![\\w])`, 'gi'))
    },
    setOutput: (name, value) => io.setOutput(name, redact(value)),
    info: (message) => io.info(redact(message)),
    notice: (message) => io.notice(redact(message)),
    warning: (message) => io.warning(redact(message)),
    setFailed: (message) => io.setFailed(redact(message)),
    writeSummary: (markdown) => io.writeSummary(redact(markdown))
  }
}
