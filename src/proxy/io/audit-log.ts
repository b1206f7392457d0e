import { closeSync, openSync, writeSync } from 'node:fs';
import type { AuditRecord } from '../types.js';

export interface AuditSink {
  write(records: readonly AuditRecord[]): void;
  close(): void;
}

/**
 * An append-only JSONL audit log. Every write is a synchronous append to an open file descriptor, so
 * records already decided are on disk on every exit path (crash, signal, host hang-up) without a flush step.
 */
export function openAuditLog(path: string): AuditSink {
  const fd = openSync(path, 'a', 0o600);
  let closed = false;
  return {
    write(records) {
      if (closed || records.length === 0) return;
      let text = '';
      for (const r of records) text += `${JSON.stringify(r)}\n`;
      writeSync(fd, text);
    },
    close() {
      if (closed) return;
      closed = true;
      closeSync(fd);
    },
  };
}

export const nullAuditSink: AuditSink = { write() {}, close() {} };
