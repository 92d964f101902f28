/**
 * `npm run screenshot`: renders a job summary as GitHub shows it — GitHub-flavoured Markdown with
 * Mermaid charts, at a job page's width — and saves a PNG with headless Chromium (Debian's
 * `chromium` package, or CHROMIUM=/path/to/chrome). With no argument it renders the summary of
 * `npm run demo`'s first run (.demo/summary-1.md) into .demo/summary.png; `--readme` writes the
 * README's picture (docs/summary.png, tracked) instead, so it is only replaced on purpose.
 *
 *   npm run screenshot -- [summary.md] [out.png] [--height=1600] [--readme]
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Marked } from 'marked'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const WIDTH = 1012 // a job page's summary box on a 1280 px screen, with its padding

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** The summary as an HTML page styled like github.com's job summary (the CSS GitHub uses, trimmed). */
export function summaryPage(markdown: string, mermaidScript: string): string {
  const marked = new Marked({ gfm: true, breaks: false })
  marked.use({
    renderer: {
      code({ text, lang }) {
        if (lang === 'mermaid') return `<pre class="mermaid">${escapeHtml(text)}</pre>`
        return false
      }
    }
  })
  const body = marked.parse(markdown, { async: false })
  return `<!doctype html><html><head><meta charset="utf-8"><style>
body { margin: 0; background: #fff; }
.box { width: ${WIDTH - 48}px; padding: 16px 24px; color: #1f2328; font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }
h2 { font-size: 1.5em; font-weight: 600; border-bottom: 1px solid #d1d9e0b3; padding-bottom: .3em; margin: 0 0 16px; }
h3 { font-size: 1.25em; font-weight: 600; margin: 24px 0 16px; }
p, table, details, pre { margin: 0 0 16px; }
table { border-collapse: collapse; display: block; width: max-content; max-width: 100%; overflow: auto; font-variant-numeric: tabular-nums; }
th, td { padding: 6px 13px; border: 1px solid #d1d9e0; }
th { font-weight: 600; }
tr:nth-child(2n) { background: #f6f8fa; }
code { font: 85% ui-monospace, SFMono-Regular, "DejaVu Sans Mono", Menlo, monospace; background: #818b981f; padding: .2em .4em; border-radius: 6px; }
a { color: #0969da; text-decoration: none; }
summary { cursor: pointer; }
pre.mermaid { background: none; text-align: center; }
</style></head><body><div class="box">${body}</div>
<script>${mermaidScript.replace(/<\/script/gi, '<\\/script')}</script>
<script>
mermaid.initialize({ startOnLoad: false });
mermaid.run().then(() => { document.body.dataset.height = String(document.body.scrollHeight); });
</script></body></html>`
}

/** A problem the person running the script can fix: printed as one line, without a stack trace. */
export class ScreenshotError extends Error {}

export function chromium(env: NodeJS.ProcessEnv = process.env, exists: (file: string) => boolean = existsSync): string {
  for (const candidate of [env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']) {
    if (candidate && exists(candidate)) return candidate
  }
  throw new ScreenshotError('No Chromium found: install it (`sudo apt-get install chromium` on Debian or Ubuntu), or set CHROMIUM=/path/to/chrome.')
}

/** Where the script reads and writes: the README's tracked picture only with `--readme`. */
export function paths(args: readonly string[]): { input: string; output: string; maxHeight: number } {
  const files = args.filter((a) => !a.startsWith('--'))
  const unknown = args.filter((a) => a.startsWith('--') && a !== '--readme' && !a.startsWith('--height='))
  if (unknown.length > 0)
    throw new ScreenshotError(`Unknown option ${unknown.join(', ')}. Usage: npm run screenshot -- [summary.md] [out.png] [--height=1600] [--readme]`)
  const readme = args.includes('--readme')
  if (readme && files[1]) throw new ScreenshotError('--readme writes docs/summary.png: give no output file with it.')
  const maxHeight = Number(args.find((a) => a.startsWith('--height='))?.slice('--height='.length) ?? 1600)
  if (!Number.isInteger(maxHeight) || maxHeight < 100) throw new ScreenshotError('--height must be a whole number of pixels, at least 100.')
  return {
    input: path.resolve(files[0] ?? path.join(ROOT, '.demo', 'summary-1.md')),
    output: path.resolve(files[1] ?? path.join(ROOT, readme ? 'docs' : '.demo', 'summary.png')),
    maxHeight
  }
}

function main(args: string[]): void {
  const { input, output, maxHeight } = paths(args)
  if (!existsSync(input)) throw new ScreenshotError(`${input} does not exist: run \`npm run demo\` first, or name a summary file.`)
  const browser = chromium()
  const mermaid = readFileSync(path.join(ROOT, 'node_modules', 'mermaid', 'dist', 'mermaid.min.js'), 'utf8')
  const dir = mkdtempSync(path.join(tmpdir(), 'spm-screenshot-'))
  try {
    const page = path.join(dir, 'summary.html')
    writeFileSync(page, summaryPage(readFileSync(input, 'utf8'), mermaid))
    const common = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--hide-scrollbars',
      `--user-data-dir=${path.join(dir, 'profile')}`,
      '--virtual-time-budget=10000'
    ]
    // First pass: the page's height once Mermaid has drawn; second: the picture, cut at maxHeight.
    const dom = execFileSync(browser, [...common, `--window-size=${WIDTH},800`, '--dump-dom', pathToFileURL(page).href], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 256 * 1024 * 1024
    })
    const height = Number(/data-height="(\d+)"/.exec(dom)?.[1])
    if (!height) throw new ScreenshotError('The summary page did not finish rendering (Mermaid failed?): open ' + page + ' in a browser to see why.')
    if (dom.includes('aria-roledescription="error"')) throw new ScreenshotError('Mermaid could not parse the chart in ' + input)
    const shot = Math.min(height, maxHeight)
    execFileSync(browser, [...common, `--window-size=${WIDTH},${shot}`, `--screenshot=${output}`, pathToFileURL(page).href], { stdio: 'ignore' })
    const cut = shot < height ? `; the top ${shot} px of it — --height=${height} shows the whole page` : ''
    console.log(`${path.relative(ROOT, output)}: ${WIDTH} × ${shot} px (page ${height} px${cut}) from ${path.relative(ROOT, input)}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2))
  } catch (error) {
    if (!(error instanceof ScreenshotError)) throw error
    console.error(`npm run screenshot: ${error.message}`)
    process.exitCode = 1
  }
}
