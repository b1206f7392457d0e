// What a tool's name (or a text mentioning names) suggests: pure string functions behind the CEL
// functions looksLikeShell, looksDestructive, isSafeReadName and mentionsAny.

const DESTRUCTIVE = new Set(
  'delete del remove rm drop destroy kill wipe truncate purge erase overwrite write update edit modify set put patch create insert move rename reset format uninstall revoke terminate shutdown stop restart deploy push publish send transfer pay execute exec run'.split(
    ' ',
  ),
);
const SHELL = new Set(
  'shell exec eval bash sh zsh cmd powershell pwsh terminal subprocess spawn system popen command runcommand runscript'.split(
    ' ',
  ),
);
const SAFE_READ = new Set(
  'get list read search find describe show view count lookup query fetch stat inspect check echo ping explain summarize summarise validate preview browse peek resolve'.split(
    ' ',
  ),
);

/** Words of an identifier: camelCase, snake_case, kebab-case and dotted names split and lowercased. */
function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

/** True when a tool name reads like a shell/exec/eval entry point (run_command, execShell, bash…). */
export const looksLikeShell = (name: string) => {
  const words = nameWords(name);
  return words.some((w) => SHELL.has(w)) || words.join('').match(/^run(command|script|shell)$/) !== null;
};
/** True when a tool name reads like it changes or destroys state (delete_x, writeFile, send-mail…). */
export const looksDestructive = (name: string) => nameWords(name).some((w) => DESTRUCTIVE.has(w));
/** True when a tool name starts with a read verb (get_, list_, read_, search_, …). */
export const isSafeReadName = (name: string) => SAFE_READ.has(nameWords(name)[0] ?? '');

/** Which of `names` occur in `text` as whole words (case-sensitive; names of 3+ characters). */
export function mentionsAny(text: string, names: readonly string[]): string[] {
  const out: string[] = [];
  for (const n of names) {
    if (n.length < 3) continue;
    let i = text.indexOf(n);
    while (i >= 0) {
      const before = text[i - 1] ?? ' ';
      const after = text[i + n.length] ?? ' ';
      if (!/[\w-]/.test(before) && !/[\w-]/.test(after)) {
        out.push(n);
        break;
      }
      i = text.indexOf(n, i + 1);
    }
  }
  return out;
}
