var __webpack_exports__ = {};
// Placeholder entry until the Action lands (issue: GitHub Action). It fails loudly rather than passing.
process.stderr.write('capseal action: not implemented yet\n');
process.exitCode = 70;


