import { codeBlock, escapeMarkdown } from './escape.js';

/** Longest error message shown in a summary: a 2 MB message must not make a 2 MB summary. */
export const ERROR_MESSAGE_CAP = 20_000;

/**
 * The job summary of a run that ended in an error: a heading in capseal's words and the message in a code
 * block whose fence is longer than any backtick run in it (the message cannot close it and add its own
 * "✅ pass" heading), capped with a visible count. Pure.
 */
export function renderErrorSummary(title: string, message: string): string {
  return `## ${escapeMarkdown(title)}\n\n${codeBlock(message, '', ERROR_MESSAGE_CAP)}\n`;
}
