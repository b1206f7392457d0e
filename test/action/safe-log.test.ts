import { describe, expect, it } from 'vitest';
import { type ActionCore, createSafeLog, inertBlock, neutralizeLogText } from '../../src/action/safe-log.js';
import { LOG_PAYLOADS } from '../helpers/hostile-text.js';
import { replayWorkflowCommands } from '../helpers/workflow-commands.js';

/** A core that prints like @actions/core does (commands escaped by its own rules). */
function printingCore(): { core: ActionCore; out: () => string } {
  let out = '';
  const esc = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const core: ActionCore = {
    getInput: () => '',
    setOutput: () => {},
    setFailed: (m) => {
      out += `::error::${esc(m)}\n`;
    },
    setSecret: (m) => {
      out += `::add-mask::${esc(m)}\n`;
    },
    info: (m) => {
      out += `${m}\n`;
    },
    warning: (m) => {
      out += `::warning::${esc(m)}\n`;
    },
    startGroup: (m) => {
      out += `::group::${esc(m)}\n`;
    },
    endGroup: () => {
      out += '::endgroup::\n';
    },
  };
  return { core, out: () => out };
}

describe('the safe log', () => {
  it('prints untrusted text inside a stop-commands block with a fresh token each time', () => {
    const { core, out } = printingCore();
    let n = 0;
    const log = createSafeLog(core, () => `${++n}`.padStart(32, '0'));
    log.text('a');
    log.text('b');
    expect(out()).toBe(
      `::stop-commands::${'1'.padStart(32, '0')}\na\n::${'1'.padStart(32, '0')}::\n` +
        `::stop-commands::${'2'.padStart(32, '0')}\nb\n::${'2'.padStart(32, '0')}::\n`,
    );
  });

  it('never uses a token the text contains', () => {
    const tokens = ['deadbeef', 'cafe'];
    const block = inertBlock('x', 'cafe');
    expect(block).toBe('::stop-commands::cafe\nx\n::cafe::');
    const { core, out } = printingCore();
    createSafeLog(core, () => tokens.shift() ?? 'z').text('::deadbeef::');
    expect(out()).toContain('::stop-commands::cafe\n');
  });

  it('breaks ##[ and shows CR and line separators', () => {
    expect(neutralizeLogText('##[error]x\r##[add-mask]y\u2028z')).toBe(
      '##\\[error]x<U+000D>##\\[add-mask]y<U+2028>z',
    );
  });

  it.each(LOG_PAYLOADS)('lets no command through from %j', (payload) => {
    const { core, out } = printingCore();
    const log = createSafeLog(core);
    log.text(`server said: ${payload}`);
    log.startGroup('capseal: server #1', payload);
    log.warning('capseal: own words', payload);
    log.endGroup();
    log.fail('capseal: own failure', payload);
    const replay = replayWorkflowCommands(out());
    expect(replay.styled).toEqual([]);
    for (const command of replay.commands) {
      expect(command.data + JSON.stringify(command.properties)).not.toMatch(/PWN/);
      expect(['stop-commands', 'group', 'endgroup', 'warning', 'error']).toContain(
        /^[0-9a-f]{32}$/.test(command.name) ? 'stop-commands' : command.name,
      );
    }
  });
});
