/**
 * The line numbers of the new file (the RIGHT side) that a unified-diff `patch` shows: added lines and
 * context lines. GitHub only accepts a review comment on a line the PR diff shows, so inline comments are
 * filtered through this set. A missing patch (binary or too large a diff) shows no lines.
 */
export function parseRightSideLines(patch: string | undefined): Set<number> {
  const lines = new Set<number>();
  if (patch === undefined) return lines;
  let next = 0;
  let inHunk = false;
  const rows = patch.split('\n');
  if (rows.at(-1) === '') rows.pop();
  for (const line of rows) {
    const header = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (header) {
      next = Number(header[1]);
      inHunk = true;
      continue;
    }
    if (!inHunk) continue;
    if (line.startsWith('+') || line.startsWith(' ')) {
      lines.add(next);
      next += 1;
    } else if (line.startsWith('\\')) {
      // "\ No newline at end of file": not a line of either side.
    } else if (line.startsWith('-')) {
      // A removed line exists only on the LEFT side.
    } else if (line === '') {
      // Some producers drop the single space of an empty context line.
      lines.add(next);
      next += 1;
    }
  }
  return lines;
}
