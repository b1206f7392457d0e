import { resolve } from 'node:path';
import { CapsealError } from '../../shared/index.js';
import { writeKeyPair } from '../../sign/io/index.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../io.js';

const usage = `capseal keygen --private FILE --public FILE [--force]

Generate an Ed25519 key pair for signing lockfiles: the private key as PKCS#8 PEM (created with mode 0600),
the public key as SPKI PEM. Existing files are never replaced unless --force is given.`;

export const keygenCommand: Command = {
  summary: 'generate an Ed25519 key pair for signing lockfiles',
  usage,
  async run(argv, io) {
    const { values } = parseCommandArgs<{ private?: string; public?: string; force?: boolean }>(
      'keygen',
      argv,
      { private: { type: 'string' }, public: { type: 'string' }, force: { type: 'boolean' } },
      { stderr: io.stderr },
    );
    if (values.private === undefined || values.public === undefined) {
      throw new CapsealError('USAGE', 'keygen: --private FILE and --public FILE are both required');
    }
    const privatePath = resolve(io.cwd, values.private);
    const publicPath = resolve(io.cwd, values.public);
    const { keyId } = await writeKeyPair(privatePath, publicPath, { force: values.force === true });
    io.stdout.write(
      `wrote ${values.private} (private, mode 0600) and ${values.public} (public)\nkey id: ${keyId}\n`,
    );
    return 0;
  },
};
