// POSIX shell quoting, for the command lines we log (so a user can paste them) and for the remote command string
// ssh hands to the remote shell. Never used to build a local shell command: ssh is spawned with an argv array.

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One word, quoted for a POSIX shell. */
export function shQuote(word: string): string {
  if (word !== '' && SAFE.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** An argv as one line a POSIX shell reads back as the same argv. */
export function shJoin(argv: readonly string[]): string {
  return argv.map(shQuote).join(' ');
}
