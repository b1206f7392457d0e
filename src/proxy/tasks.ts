import { isRecordValue } from './jsonrpc.js';
import type { JsonRpcRequest } from './types.js';

/** Task methods that name one task by `params.taskId` (2025-11-25 core, 2026-07-28 tasks extension). */
export const TASK_ID_METHODS: ReadonlySet<string> = new Set([
  'tasks/get',
  'tasks/result',
  'tasks/cancel',
  'tasks/update',
]);

/**
 * The task ids this session's client created (a task-augmented result it received: `result.taskId` with
 * `resultType: 'task'` in 2026-07-28, `result.task.taskId` in 2025-11-25). A task id is usable only by
 * the client that created it: naming another one is refused, and `tasks/list` shows only its own. Bounded
 * by the results the session relayed. Keyed per session, which is one authorization context.
 */
export class TaskOwnership {
  private readonly owned = new Set<string>();

  /** Remember the task a result created, if it is task-augmented. */
  noteResult(result: Record<string, unknown>): void {
    if (result.resultType === 'task' && typeof result.taskId === 'string') this.owned.add(result.taskId);
    const task = result.task;
    if (isRecordValue(task) && typeof task.taskId === 'string') this.owned.add(task.taskId);
  }

  /** The task id a request names that this client does not own, or undefined when it may go on. */
  refused(message: JsonRpcRequest): { taskId: unknown } | undefined {
    if (!TASK_ID_METHODS.has(message.method)) return undefined;
    const id = message.params?.taskId;
    return typeof id === 'string' && this.owned.has(id) ? undefined : { taskId: id };
  }

  /** A tasks/list result with only this client's tasks. */
  filterList(result: Record<string, unknown>): Record<string, unknown> {
    const tasks = result.tasks;
    if (!Array.isArray(tasks)) return result;
    return {
      ...result,
      tasks: tasks.filter(
        (t) => isRecordValue(t) && typeof t.taskId === 'string' && this.owned.has(t.taskId),
      ),
    };
  }
}

/** The extension that carries tasks in 2026-07-28 (`capabilities.extensions` key). */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';
const TASK_METHODS: ReadonlySet<string> = new Set([...TASK_ID_METHODS, 'tasks/list']);

/**
 * True for a tasks-extension method under 2026-07-28 when the locked server declared the extension: the
 * method is defined for this session (its task id is still checked by TaskOwnership).
 */
export function isLockedTaskMethod(
  message: JsonRpcRequest,
  lockedCapabilities: Record<string, unknown>,
): boolean {
  if (!TASK_METHODS.has(message.method)) return false;
  const meta = message.params?._meta;
  const version = isRecordValue(meta) ? meta['io.modelcontextprotocol/protocolVersion'] : undefined;
  if (typeof version !== 'string' || version < '2026-07-28') return false;
  const extensions = lockedCapabilities.extensions;
  return isRecordValue(extensions) && extensions[TASKS_EXTENSION] !== undefined;
}
