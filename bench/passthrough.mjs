// The bench baseline: a bare newline-delimited pass-through between stdin/stdout and a child process (no
// parsing, no decisions), i.e. the cheapest possible stdio proxy. usage: node passthrough.mjs CMD ARGS…
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const [cmd, ...args] = process.argv.slice(2);
const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'] });
createInterface({ input: process.stdin }).on('line', (line) => child.stdin.write(`${line}\n`));
createInterface({ input: child.stdout }).on('line', (line) => process.stdout.write(`${line}\n`));
process.stdin.on('end', () => child.stdin.end());
child.on('exit', (code) => process.exit(code ?? 1));
