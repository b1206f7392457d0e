import { describe, expect, it } from 'vitest';
import { StartGate } from '../../../src/snapshot/io/start-gate.js';

const never = () => new AbortController().signal;

describe('StartGate', () => {
  it('gives a free slot at once and makes the next one wait until a start is up', async () => {
    const gate = new StartGate(1);
    const up = gate.enter();
    let got: (() => void) | undefined;
    const waiting = gate.whenFree(never(), never()).then((slot) => {
      got = slot;
    });
    await Promise.resolve();
    expect(got).toBeUndefined();
    up();
    await waiting;
    expect(got).toBeTypeOf('function');
  });

  it('serves waiters first come first served, one per freed slot', async () => {
    const gate = new StartGate(1);
    const up = gate.enter();
    const order: string[] = [];
    const a = gate.whenFree(never(), never()).then((slot) => {
      order.push('a');
      return slot;
    });
    const b = gate.whenFree(never(), never()).then((slot) => {
      order.push('b');
      return slot;
    });
    up();
    (await a)?.();
    await b;
    expect(order).toEqual(['a', 'b']);
  });

  it('a needed start takes a slot at once; a dropped one takes none', async () => {
    const gate = new StartGate(1);
    gate.enter();
    const now = new AbortController();
    const drop = new AbortController();
    const needed = gate.whenFree(now.signal, never());
    const dropped = gate.whenFree(never(), drop.signal);
    now.abort();
    drop.abort();
    expect(await needed).toBeTypeOf('function');
    expect(await dropped).toBeUndefined();
  });

  it('giving a slot back twice frees it once', async () => {
    const gate = new StartGate(1);
    const up = gate.enter();
    up();
    up();
    gate.enter();
    let got = false;
    void gate.whenFree(never(), never()).then(() => {
      got = true;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(got).toBe(false);
  });
});
