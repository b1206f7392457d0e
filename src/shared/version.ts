import pkg from '../../package.json' with { type: 'json' };

/**
 * capseal's version, from package.json: the one place it is written. The bundler inlines it into dist/,
 * so the shipped CLI and Action need no package.json at run time.
 */
export const VERSION: string = pkg.version;
