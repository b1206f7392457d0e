import { errorMessage } from '../shared/index.js';

/**
 * Split the `server-command` input into argv without ever involving a shell. Two spellings are accepted:
 * a JSON array of strings (`["node", "server.js"]`), or one line split the way a POSIX shell splits words
 * (whitespace separates; '…' is literal; "…" allows \" \\ \$ \` escapes; a backslash outside quotes escapes
 * the next character). Characters a shell would interpret (| & ; < > ( ) $ ` and newlines) are refused
 * unquoted, because nothing here would interpret them and passing them on silently would surprise.
 * Returns the argv, or a one-line reason it could not be split (the caller names the input).
 */
export function splitCommandLine(text: string): { argv: string[] } | { error: string } {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) return parseJsonArgv(trimmed);
  if (/[\r\n]/.test(trimmed)) return { error: 'must be one line (or a JSON array of strings)' };
  const argv: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < trimmed.length) {
    const c = trimmed[i] as string;
    if (c === ' ' || c === '\t') {
      if (inWord) argv.push(word);
      word = '';
      inWord = false;
      i += 1;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = trimmed.indexOf("'", i + 1);
      if (end < 0) return { error: 'has an unterminated single quote' };
      word += trimmed.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let closed = false;
      while (j < trimmed.length) {
        const d = trimmed[j] as string;
        if (d === '"') {
          closed = true;
          break;
        }
        if (d === '\\' && j + 1 < trimmed.length && '"\\$`'.includes(trimmed[j + 1] as string)) {
          word += trimmed[j + 1];
          j += 2;
          continue;
        }
        if (d === '$' || d === '`')
          return { error: `uses "${d}" inside double quotes; no shell expands it here` };
        word += d;
        j += 1;
      }
      if (!closed) return { error: 'has an unterminated double quote' };
      i = j + 1;
      continue;
    }
    if (c === '\\') {
      if (i + 1 >= trimmed.length) return { error: 'ends with a lone backslash' };
      word += trimmed[i + 1];
      i += 2;
      continue;
    }
    if ('|&;<>()$`'.includes(c)) {
      return { error: `contains "${c}": it is not run by a shell (quote it to pass it literally)` };
    }
    word += c;
    i += 1;
  }
  if (inWord) argv.push(word);
  if (argv.length === 0) return { error: 'is empty' };
  return { argv };
}

function parseJsonArgv(text: string): { argv: string[] } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: `is not a valid JSON array: ${errorMessage(error)}` };
  }
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
    return { error: 'must be a JSON array of strings' };
  }
  if (value.length === 0 || value[0] === '') return { error: 'is an empty command' };
  return { argv: value };
}
