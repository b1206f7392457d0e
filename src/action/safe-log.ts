import { randomBytes } from 'node:crypto';
import { revealControls } from '../report/index.js';

/**
 * The runner reads every line the action prints on stdout and stderr and obeys the workflow commands in it
 * (`::add-mask::`, `::error file=…::`, `::stop-commands::`, the legacy `##[…]` forms). Text that a server or a
 * pull request chose must never become one: every such line is printed inside a
 * `::stop-commands::<random token>` … `::<token>::` block (a fresh token each time, so the text cannot end the
 * block), with `##[` neutralized (the log viewer styles those lines even when they are not commands) and
 * controls, CR and line separators made visible. capseal's own commands carry only capseal's own words and
 * are printed outside any block.
 */

/** The slice of @actions/core the action uses; injected so the shell has no hidden globals. */
export interface ActionCore {
  getInput(name: string): string;
  setOutput(name: string, value: string): void;
  setFailed(message: string): void;
  setSecret(secret: string): void;
  info(message: string): void;
  warning(message: string): void;
  startGroup(name: string): void;
  endGroup(): void;
}

/** What the shell prints: untrusted text in blocks, capseal's own annotations and groups outside. */
export interface SafeLog {
  /** Text derived from a server, the pull request or an error carrying either: printed inert. */
  text(message: string): void;
  /** A warning annotation in capseal's own words, after the untrusted `detail` (printed inert), if any. */
  warning(ownMessage: string, detail?: string): void;
  /** The step's failure annotation in capseal's own words, after the untrusted `detail`, if any. */
  fail(ownMessage: string, detail?: string): void;
  /** A collapsible group titled in capseal's own words; an untrusted `label` is its first (inert) line. */
  startGroup(ownTitle: string, label?: string): void;
  endGroup(): void;
}

/** The block's content: controls and line separators shown, `##[` broken, the token never inside. */
export function neutralizeLogText(text: string): string {
  return revealControls(text).replace(/##\[/g, '##\\[');
}

/** One stop-commands block around `text`, as the lines to print (without the final newline). */
export function inertBlock(text: string, token: string): string {
  return `::stop-commands::${token}\n${neutralizeLogText(text)}\n::${token}::`;
}

/** A token the text cannot guess: 128 random bits, hex. */
export function newStopToken(): string {
  return randomBytes(16).toString('hex');
}

export function createSafeLog(core: ActionCore, token: () => string = newStopToken): SafeLog {
  const text = (message: string) => {
    let t = token();
    while (message.includes(t)) t = token();
    core.info(inertBlock(message, t));
  };
  return {
    text,
    warning(ownMessage, detail) {
      if (detail !== undefined) text(detail);
      core.warning(ownMessage);
    },
    fail(ownMessage, detail) {
      if (detail !== undefined) text(detail);
      core.setFailed(ownMessage);
    },
    startGroup(ownTitle, label) {
      core.startGroup(ownTitle);
      if (label !== undefined) text(label);
    },
    endGroup: () => core.endGroup(),
  };
}
