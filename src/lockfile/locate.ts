/** A 1-based position in lockfile text (columns in UTF-16 code units, SARIF's default). */
export interface TextPosition {
  line: number;
  column: number;
}

/** Split a formatPath() path (`servers.demo.tools["read_fіle"].description`, `args[0]`) into segments. */
export function parseFormattedPath(path: string): (string | number)[] | undefined {
  if (path === '(root)') return [];
  const segments: (string | number)[] = [];
  let i = 0;
  while (i < path.length) {
    const ch = path[i];
    if (ch === '[') {
      if (path[i + 1] === '"') {
        // A JSON string literal: find its closing quote, honouring escapes.
        let j = i + 2;
        while (j < path.length && path[j] !== '"') j += path[j] === '\\' ? 2 : 1;
        try {
          segments.push(JSON.parse(path.slice(i + 1, j + 1)) as string);
        } catch {
          return undefined;
        }
        if (path[j + 1] !== ']') return undefined;
        i = j + 2;
      } else {
        const close = path.indexOf(']', i);
        const n = Number(path.slice(i + 1, close));
        if (close < 0 || !Number.isInteger(n)) return undefined;
        segments.push(n);
        i = close + 1;
      }
    } else {
      const start = ch === '.' ? i + 1 : i;
      if (ch === '.' || i === 0) {
        let j = start;
        while (j < path.length && path[j] !== '.' && path[j] !== '[') j += 1;
        if (j === start) return undefined;
        segments.push(path.slice(start, j));
        i = j;
      } else return undefined;
    }
  }
  return segments;
}

class Scanner {
  i = 0;
  constructor(readonly text: string) {}

  ws(): void {
    while (this.i < this.text.length && /\s/.test(this.text[this.i] as string)) this.i += 1;
  }

  string(): string {
    const start = this.i;
    this.i += 1;
    while (this.i < this.text.length && this.text[this.i] !== '"')
      this.i += this.text[this.i] === '\\' ? 2 : 1;
    this.i += 1;
    return JSON.parse(this.text.slice(start, this.i)) as string;
  }

  /** Skip one value of any type. */
  skip(): void {
    this.ws();
    const ch = this.text[this.i];
    if (ch === '"') this.string();
    else if (ch === '{' || ch === '[') {
      const close = ch === '{' ? '}' : ']';
      this.i += 1;
      this.ws();
      if (this.text[this.i] === close) {
        this.i += 1;
        return;
      }
      for (;;) {
        if (ch === '{') {
          this.ws();
          this.string();
          this.ws();
          this.i += 1; // ':'
        }
        this.skip();
        this.ws();
        const next = this.text[this.i];
        this.i += 1;
        if (next !== ',') return;
      }
    } else {
      while (this.i < this.text.length && !/[\s,\]}]/.test(this.text[this.i] as string)) this.i += 1;
    }
  }

  /**
   * Descend along `segments` from the value at the cursor. Returns the offset of the deepest segment found
   * (the key of an object member, the start of an array element) and how many segments matched.
   */
  descend(
    segments: readonly (string | number)[],
    depth: number,
    at: number,
  ): { offset: number; depth: number } {
    this.ws();
    const want = segments[depth];
    const ch = this.text[this.i];
    if (want === undefined || (ch !== '{' && ch !== '[')) return { offset: at, depth };
    const isObject = ch === '{';
    const close = isObject ? '}' : ']';
    this.i += 1;
    this.ws();
    if (this.text[this.i] === close) return { offset: at, depth };
    for (let index = 0; ; index += 1) {
      this.ws();
      const memberStart = this.i;
      let name: string | number = index;
      if (isObject) {
        name = this.string();
        this.ws();
        this.i += 1; // ':'
      }
      if (name === want) return this.descend(segments, depth + 1, memberStart);
      this.skip();
      this.ws();
      const next = this.text[this.i];
      this.i += 1;
      if (next !== ',') return { offset: at, depth };
    }
  }
}

function position(text: string, offset: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i += 1) {
    if (text.charCodeAt(i) === 10) {
      line += 1;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Where `path` (a Drift/Verdict path in formatPath() form) starts in serialized lockfile text: the position
 * of its key (or array element). `exact` is false when only a prefix exists (e.g. a tool that was added
 * live is located at its server's `tools`). Pure; tolerant of any JSON layout; undefined for bad input.
 */
export function locateNearestPath(
  lockText: string,
  path: string,
): (TextPosition & { exact: boolean; matched: number }) | undefined {
  const segments = parseFormattedPath(path);
  if (segments === undefined) return undefined;
  try {
    const scanner = new Scanner(lockText);
    scanner.ws();
    const found = scanner.descend(segments, 0, scanner.i);
    return {
      ...position(lockText, found.offset),
      exact: found.depth === segments.length,
      matched: found.depth,
    };
  } catch {
    return undefined;
  }
}

/** The 1-based line/column where `path` starts in the lockfile text, or undefined when it is not there. */
export function locatePath(lockText: string, path: string): TextPosition | undefined {
  const found = locateNearestPath(lockText, path);
  if (found === undefined || !found.exact) return undefined;
  return { line: found.line, column: found.column };
}
