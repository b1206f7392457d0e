import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openAuditLog } from '../../../src/proxy/io/index.js';

describe('openAuditLog', () => {
  it('appends one JSON line per record, on disk as soon as write returns', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'capseal-audit-')), 'audit.jsonl');
    const log = openAuditLog(path);
    const rec = {
      time: 't',
      session: 's',
      direction: 'host→server',
      method: 'tools/call',
      decision: 'block',
    } as const;
    log.write([rec, { ...rec, decision: 'allow' }]);
    expect((await readFile(path, 'utf8')).split('\n')).toEqual([JSON.stringify(rec), expect.any(String), '']);
    log.close();
    log.write([rec]);
    expect((await readFile(path, 'utf8')).split('\n')).toHaveLength(3);
  });
});
