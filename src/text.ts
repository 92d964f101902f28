/** Cut to `max` characters (code points, so an emoji is never split), with an ellipsis. */
export function cut(text: string, max: number): string {
  const chars = [...text]
  return chars.length > max ? `${chars.slice(0, Math.max(1, max - 1)).join('')}…` : text
}
