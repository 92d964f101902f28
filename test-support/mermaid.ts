/**
 * Checks a ```mermaid xychart-beta block against the documented grammar, line by line: an optional
 * `%%{init: {…}}%%` directive (valid JSON), `xychart-beta`, `title "…"`, `x-axis ["a", "b", …]`,
 * `y-axis "…" min --> max`, `bar [n, …]`. Returns the problems found (empty when valid).
 */
export function xychartProblems(block: string): string[] {
  const problems: string[] = []
  const lines = block.split('\n')
  if (lines[0] !== '```mermaid') problems.push('does not open with ```mermaid')
  if (lines.at(-1) !== '```') problems.push('does not close with ```')
  const body = lines.slice(1, -1).map((l) => l.trim())
  const init = /^%%\{init: (.*)\}%%$/.exec(body[0] ?? '')
  if (init) {
    try {
      JSON.parse(init[1]!)
    } catch {
      problems.push('the init directive is not JSON')
    }
    body.shift()
  }
  if (body[0] !== 'xychart-beta') problems.push('first line is not xychart-beta')
  let labels: string[] | undefined
  let values: number[] | undefined
  let yMax = Infinity
  const quoted = '"[^"\\n]*"'
  for (const line of body.slice(1)) {
    if (new RegExp(`^title ${quoted}$`).test(line)) continue
    const x = new RegExp(`^x-axis \\[(${quoted}(?:, ${quoted})*)\\]$`).exec(line)
    if (x) {
      labels = x[1]!.split(', ').map((l) => l.slice(1, -1))
      continue
    }
    const y = new RegExp(`^y-axis ${quoted} (-?\\d+(?:\\.\\d+)?) --> (-?\\d+(?:\\.\\d+)?)$`).exec(line)
    if (y) {
      if (Number(y[1]) >= Number(y[2])) problems.push('y-axis range is empty')
      yMax = Number(y[2])
      continue
    }
    const bar = /^bar \[(-?\d+(?:\.\d+)?(?:, -?\d+(?:\.\d+)?)*)\]$/.exec(line)
    if (bar) {
      values = bar[1]!.split(', ').map(Number)
      continue
    }
    problems.push(`unexpected line: ${line}`)
  }
  if (!labels) problems.push('no x-axis')
  if (!values) problems.push('no bar series')
  if (labels && values && labels.length !== values.length) problems.push(`${labels.length} labels but ${values.length} values`)
  if (values && values.some((v) => v > yMax)) problems.push('a bar exceeds the y-axis maximum')
  return problems
}

/** The first ```mermaid block of a Markdown document. */
export function mermaidBlock(markdown: string): string | undefined {
  return /```mermaid\n[\s\S]*?\n```/.exec(markdown)?.[0]
}
