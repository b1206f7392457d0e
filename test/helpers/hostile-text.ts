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
