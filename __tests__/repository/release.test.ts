import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { changelogSection, checkRelease, parseTag } from '../../scripts/release.js'
import { removeScratch, scratchDir } from '../../test-support/scratch.js'

afterAll(removeScratch)

const root = new URL('../../', import.meta.url)
const read = (file: string) => readFileSync(new URL(file, root), 'utf8')

const CHANGELOG = `# Changelog

## [Unreleased]

## [1.2.0] - 2026-12-01

### Added
- Something new.

## [1.1.0] - 2026-11-27

### Fixed
- Something old.

[1.2.0]: https://example.com/compare/v1.1.0...v1.2.0
`

describe('release', () => {
  it('accepts only vMAJOR.MINOR.PATCH tags and names the major tag to move', () => {
    expect(parseTag('v1.2.3')).toEqual({ version: '1.2.3', major: 'v1' })
    expect(parseTag('v10.0.0').major).toBe('v10')
    for (const bad of ['1.2.3', 'v1.2', 'v1.2.3-rc.1', 'v1', 'release-1.2.3']) expect(() => parseTag(bad)).toThrow(/not a release tag/)
  })

  it("takes exactly one version's changelog section as the release notes", () => {
    expect(changelogSection(CHANGELOG, '1.2.0')).toBe('### Added\n- Something new.')
    expect(changelogSection(CHANGELOG, '1.1.0')).toBe('### Fixed\n- Something old.')
    expect(() => changelogSection(CHANGELOG, '1.3.0')).toThrow(/no section "## \[1\.3\.0\]/)
    // 1.2.0 must not match 1.2.01 or 1x2x0
    expect(() => changelogSection(CHANGELOG.replace('[1.2.0] -', '[1x2x0] -'), '1.2.0')).toThrow()
  })

  it('refuses a tag that disagrees with package.json or has no changelog section', () => {
    const dir = scratchDir('release')
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ version: '1.2.0' }))
    writeFileSync(path.join(dir, 'CHANGELOG.md'), CHANGELOG)
    expect(checkRelease('v1.2.0', dir)).toEqual([])
    expect(checkRelease('v1.1.0', dir)).toEqual(['package.json says 1.2.0, the tag v1.1.0'])
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ version: '1.3.0' }))
    expect(checkRelease('v1.3.0', dir)).toEqual(['CHANGELOG.md has no section "## [1.3.0] - YYYY-MM-DD"'])
  })

  it("runs the release workflow's steps on a local tag: check, notes, and moving the major tag", () => {
    const dir = scratchDir('release-git')
    const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' }
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8' }).trim()
    const release = (...args: string[]) =>
      execFileSync(fileURLToPath(new URL('node_modules/.bin/tsx', root)), [fileURLToPath(new URL('scripts/release.ts', root)), ...args, dir], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe']
      }).trim()
    git('init', '-q')
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ version: '1.1.0' }))
    writeFileSync(path.join(dir, 'CHANGELOG.md'), CHANGELOG)
    git('add', '-A')
    git('commit', '-qm', 'v1.1.0')
    git('tag', 'v1.1.0')
    git('tag', 'v1', 'v1.1.0^{commit}')
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ version: '1.2.0' }))
    git('commit', '-qam', 'v1.2.0')
    git('tag', 'v1.2.0')

    expect(release('check', 'v1.2.0')).toBe('v1.2.0: version and changelog agree.')
    expect(() => release('check', 'v1.3.0')).toThrow(/package\.json says 1\.2\.0, the tag v1\.3\.0/)
    expect(release('notes', 'v1.2.0')).toBe('### Added\n- Something new.')
    const major = release('major', 'v1.2.0')
    expect(major).toBe('v1')
    // The workflow's last step, without the push: the major tag now points at the new release.
    expect(git('rev-parse', 'v1^{commit}')).toBe(git('rev-parse', 'v1.1.0^{commit}'))
    git('tag', '-f', major, 'v1.2.0^{commit}')
    expect(git('rev-parse', 'v1^{commit}')).toBe(git('rev-parse', 'HEAD'))
  })

  it("this repository's version has a changelog section", () => {
    const { version } = JSON.parse(read('package.json')) as { version: string }
    expect(checkRelease(`v${version}`)).toEqual([])
  })
})
