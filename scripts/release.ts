/**
 * Release steps, shared by the release workflow and `npm run release` (no network needed):
 *
 *   release check vX.Y.Z   the tag is a semantic version, equal to package.json's, with a CHANGELOG section
 *   release notes vX.Y.Z   that section, as the release's notes
 *   release major vX.Y.Z   the major tag to move (vX)
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

export function parseTag(tag: string): { version: string; major: string } {
  const m = /^v(\d+)\.(\d+)\.(\d+)$/.exec(tag)
  if (!m) throw new Error(`"${tag}" is not a release tag: expected vMAJOR.MINOR.PATCH, e.g. v1.2.0`)
  return { version: `${m[1]}.${m[2]}.${m[3]}`, major: `v${m[1]}` }
}

/** The section of a Keep a Changelog file for one version, without its heading. */
export function changelogSection(changelog: string, version: string): string {
  const heading = new RegExp(`^## \\[${version.replace(/\./g, '\\.')}\\](?: - \\d{4}-\\d{2}-\\d{2})?\\s*$`, 'm')
  const start = heading.exec(changelog)
  if (!start) throw new Error(`CHANGELOG.md has no section "## [${version}] - YYYY-MM-DD"`)
  const rest = changelog.slice(start.index + start[0].length)
  const next = /^## \[/m.exec(rest)
  const body = (next ? rest.slice(0, next.index) : rest).replace(/^\[[^\]]+\]: .*$/gm, '').trim()
  if (!body) throw new Error(`CHANGELOG.md's section for ${version} is empty`)
  return body
}

export function checkRelease(tag: string, root = ROOT): string[] {
  const { version } = parseTag(tag)
  const problems: string[] = []
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }
  if (pkg.version !== version) problems.push(`package.json says ${pkg.version}, the tag ${tag}`)
  try {
    changelogSection(readFileSync(path.join(root, 'CHANGELOG.md'), 'utf8'), version)
  } catch (error) {
    problems.push((error as Error).message)
  }
  return problems
}

function main(args: string[]): number {
  const [command, tag = '', root = ROOT] = args
  if (command === 'check') {
    const problems = checkRelease(tag, root)
    for (const p of problems) console.error(p)
    if (problems.length === 0) console.log(`${tag}: version and changelog agree.`)
    return problems.length === 0 ? 0 : 1
  }
  if (command === 'notes') {
    console.log(changelogSection(readFileSync(path.join(root, 'CHANGELOG.md'), 'utf8'), parseTag(tag).version))
    return 0
  }
  if (command === 'major') {
    console.log(parseTag(tag).major)
    return 0
  }
  console.error('usage: release check|notes|major vX.Y.Z [repository root]')
  return 2
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2))
