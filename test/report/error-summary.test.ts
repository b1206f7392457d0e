import { describe, expect, it } from 'vitest';
import { ERROR_MESSAGE_CAP, renderErrorSummary } from '../../src/report/index.js';
import { toHtml } from '../helpers/gfm.js';

describe('renderErrorSummary', () => {
  it('keeps a message that tries to close the fence inside it', () => {
    const message = 'capseal: boom\n```\n\n## ✅ capseal check: pass\n\n````\n<img src=x>';
    const html = toHtml(renderErrorSummary('capseal check: error', message));
    expect(html.match(/<h2/g)).toHaveLength(1);
    expect(html).not.toContain('<img');
    expect(html).toContain('✅ capseal check: pass');
  });

  it('caps a huge message far below GitHub’s 1 MiB step-summary limit, saying so', () => {
    const summary = renderErrorSummary('capseal check: error', 'x'.repeat(2_000_000));
    expect(Buffer.byteLength(summary)).toBeLessThan(ERROR_MESSAGE_CAP + 200);
    expect(summary).toContain(`…(${2_000_000 - ERROR_MESSAGE_CAP} more chars)`);
  });
});
