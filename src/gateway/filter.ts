import picomatch from 'picomatch';

/** Whether a tool (by its upstream name) may be listed and called. */
export type ToolFilter = (name: string) => boolean;

/**
 * An upstream's tool filter, on top of the lock (evaluated before the lock check): with `allow`, only
 * matching tools pass; any `deny` match removes a tool. Globs are picomatch's, over the upstream's own
 * tool name. Pure.
 */
export function compileToolFilter(
  filter: { allow?: readonly string[]; deny?: readonly string[] } = {},
): ToolFilter {
  const allow = filter.allow === undefined ? undefined : picomatch([...filter.allow], { dot: true });
  const deny =
    filter.deny === undefined || filter.deny.length === 0
      ? undefined
      : picomatch([...filter.deny], { dot: true });
  return (name) => (allow === undefined || allow(name)) && (deny === undefined || !deny(name));
}

export const allowAllTools: ToolFilter = () => true;
