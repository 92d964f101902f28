import path from 'node:path'
import { ScreenshotError, chromium, paths, summaryPage } from '../../scripts/screenshot.js'

// The page the screenshot is taken of must render the summary as GitHub does: GFM tables with their
// alignment, folded <details>, and Mermaid blocks handed to Mermaid rather than shown as code.
describe('summary page for the screenshot', () => {
  const markdown = [
    '## Stripe Payment Monitor',
    '',
    '**Charged, net of refunds: 1,234.50&nbsp;USD**',
    '',
    '| Amount | Customer |',
    '| ---: | --- |',
    '| 2,491.42&nbsp;USD | `c…@example.com` |',
    '',
    '<details><summary>2 more</summary>',
    '',
    '| a | b |',
    '| --- | --- |',
    '| 1 | 2 |',
    '',
    '</details>',
    '',
    '```mermaid',
    'xychart-beta',
    '    title "Succeeded gross per day, Nov 13 – Nov 27, 2026 (UTC)"',
    '    bar [1, 2, 3]',
    '```',
    '',
    '```sql',
    'SELECT 1 < 2',
    '```'
  ].join('\n')
  const page = summaryPage(markdown, '/* mermaid */')

  it('renders GFM tables with right-aligned amounts and keeps <details> folded', () => {
    expect(page).toContain('<th align="right">Amount</th>')
    expect(page).toContain('<td align="right">2,491.42&nbsp;USD</td>')
    expect(page).toMatch(/<details><summary>2 more<\/summary>[\s\S]*<table>[\s\S]*<\/details>/)
  })

  it('hands Mermaid blocks to Mermaid, escaped, and leaves other code as code', () => {
    expect(page).toContain('<pre class="mermaid">xychart-beta\n    title "Succeeded gross per day, Nov 13 – Nov 27, 2026 (UTC)"')
    expect(page).not.toContain('language-mermaid')
    expect(page).toContain('<code class="language-sql">SELECT 1 &lt; 2')
    expect(page).toContain('mermaid.run()')
  })

  it('cannot be broken out of by a script end tag inside the inlined Mermaid bundle', () => {
    const hostile = summaryPage('x', 'var s = "</script><img src=x>"')
    expect(hostile).not.toContain('"</script><img')
  })
})

describe('npm run screenshot', () => {
  it('never overwrites the README picture without --readme', () => {
    expect(paths([]).output).toMatch(/\.demo[/\\]summary\.png$/)
    expect(paths(['--readme']).output).toMatch(/docs[/\\]summary\.png$/)
    expect(paths(['x.md', 'y.png']).output).toBe(path.resolve('y.png'))
    expect(() => paths(['x.md', 'y.png', '--readme'])).toThrow(ScreenshotError)
    expect(() => paths(['--readme=yes'])).toThrow(/Unknown option --readme=yes/)
  })

  it('says how to install Chromium when there is none (a message, not a stack trace)', () => {
    expect(() => chromium({}, () => false)).toThrow(ScreenshotError)
    expect(() => chromium({}, () => false)).toThrow(/No Chromium found: install it/)
    expect(chromium({ CHROMIUM: '/opt/chrome' }, (f) => f === '/opt/chrome')).toBe('/opt/chrome')
  })
})
