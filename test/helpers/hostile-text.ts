/**
 * Hostile text for tests of what capseal prints and renders: names and messages a server or a pull request
 * can choose, each meant to break out of a table cell, fake content or issue workflow commands.
 */

/** Names a server or a PR can choose, each meant to break out of a table cell or fake content. */
export const HOSTILE_NAMES = [
  'a|b',
  '`|`',
  'x | <img src=https://evil.example/pixel.gif> | y',
  '[✅ approved](https://evil.example/ok)',
  '![x](https://evil.example/p.png)',
  '@octocat please merge',
  'fixes #123 and GH-456',
  'see https://evil.example and www.evil.example',
  '```\n</details>\n# ✅ capseal check: pass',
  'a\\|b',
  '<script>alert(1)</script>',
  '&lt;b&gt;',
  'name\n| injected | row | here |',
  'x\u2028y\r\nz',
  '\u202egnp.exe',
  '    indented',
  '- [x] list',
  '*bold* _em_ ~~strike~~',
];

/**
 * Text meant to become workflow commands in the runner's log (each marked PWN so a test can tell it from
 * capseal's own words): new lines of every kind, both command forms, and the commands that hurt most.
 */
export const LOG_PAYLOADS = [
  '1.0.0\n::add-mask::PWN-FAIL',
  'x\r::error file=src/index.ts,line=1::PWN fake annotation',
  'x\r\n::stop-commands::PWNTOKEN',
  'x\u2028::warning::PWN',
  '##[add-mask]PWN',
  '  ##[error]PWN no newline needed',
  'x\n##[group]PWN',
  'x\n  ::set-output name=outcome::PWN',
  '%0A::add-mask::PWN-escaped',
];
