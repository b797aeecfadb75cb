/** "1 block", "2 blocks": counts in messages read as English. */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
