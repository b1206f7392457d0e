import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkPolicy, type EngineContext } from '../../src/action/engine.js';
import { type InputName, parseActionInputs } from '../../src/action/inputs.js';
import { serializeLockfile } from '../../src/lockfile/index.js';
import { generateEd25519KeyPair } from '../../src/sign/index.js';
import { signLockfileEd25519 } from '../../src/sign/io/sign-lockfile.js';
import { lockfile, serverEntry, tool } from '../helpers/factories.js';

const workspace = mkdtempSync(join(tmpdir(), 'capseal-action-engine-'));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

function context(inputs: Partial<Record<InputName, string>>, onInfo: (m: string) => void): EngineContext {
  const parsed = parseActionInputs((name) => inputs[name] ?? '');
  return {
    inputs: parsed,
    lockPath: join(workspace, parsed.lockfile),
    workspace,
    env: {},
    log: { info: onInfo, warning: () => {}, startGroup: () => {}, endGroup: () => {} },
  };
}

describe('the action engine', () => {
  describe('in policy mode', () => {
    it('evaluates the bytes it verified: a lockfile swapped on disk after verifying cannot pass', async () => {
      const keys = generateEd25519KeyPair();
      writeFileSync(join(workspace, 'signing.pem'), keys.privateKeyPem);
      writeFileSync(join(workspace, 'capseal.pub'), keys.publicKeyPem);
      const lockPath = join(workspace, 'mcp-lock.json');
      // Signed: a server with a shell tool, which the strict pack refuses.
      writeFileSync(
        lockPath,
        serializeLockfile(lockfile({ demo: serverEntry({ tools: [tool('run_shell')] }) })),
      );
      await signLockfileEd25519(lockPath, join(workspace, 'signing.pem'));
      const clean = serializeLockfile(lockfile({ demo: serverEntry({ tools: [tool('read_file')] }) }));
      let swapped = false;
      const result = await checkPolicy(
        context(
          { mode: 'policy', policy: 'strict', 'require-signature': 'true', 'public-key': 'capseal.pub' },
          (message) => {
            // Right after the verification, before the evaluation: swap in a clean, unsigned lockfile.
            if (message.includes('loaded (signature: ed25519)')) {
              writeFileSync(lockPath, clean);
              swapped = true;
            }
          },
        ),
      );
      expect(swapped).toBe(true);
      expect(result.failed).toBe(true);
      expect(result.report.verdicts.map((v) => v.subject)).toContain('tool:run_shell');
      expect(result.sarif).toContain('run_shell');
    });
  });
});
