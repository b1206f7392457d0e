import seeds from '@sigstore/tuf/seeds.json' with { type: 'json' };
import type { TrustMaterial } from '@sigstore/verify';
import { CapsealError } from '../../shared/index.js';
import { parseTrustedRoot } from '../sigstore.js';
import { readInputFile } from './files.js';

const PUBLIC_GOOD_MIRROR = 'https://tuf-repo-cdn.sigstore.dev';

/**
 * The Sigstore public-good trusted root as shipped inside @sigstore/tuf (its TUF seed), decoded without
 * touching the network. It is as fresh as the installed @sigstore/tuf; pass `--trusted-root` for a newer
 * one or for a private Sigstore instance.
 */
export function publicGoodTrustedRootText(): string {
  const mirror = (seeds as Record<string, { targets?: Record<string, string> }>)[PUBLIC_GOOD_MIRROR];
  const encoded = mirror?.targets?.['trusted_root.json'];
  if (encoded === undefined) {
    throw new CapsealError('INTERNAL', 'the installed @sigstore/tuf ships no public-good trusted root');
  }
  return Buffer.from(encoded, 'base64').toString('utf8');
}

/** Load trust material: from `path` when given (INVALID_INPUT if unreadable/malformed), else public good. */
export async function readTrustedRoot(path?: string): Promise<TrustMaterial> {
  if (path === undefined) return parseTrustedRoot(publicGoodTrustedRootText(), 'public-good trusted root');
  return parseTrustedRoot(await readInputFile(path, 'trusted root'), `trusted root ${path}`);
}
