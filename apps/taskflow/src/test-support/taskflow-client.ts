import type { Task } from '../tasks/task.js';

/** A response read whole: status, headers, parsed JSON body. */
export interface JsonResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** Minimal HTTP client of a running taskflow (real requests over loopback). */
export class TaskflowClient {
  readonly #url: string;

  constructor(url: string) {
    this.#url = url;
  }

  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<JsonResponse<T>> {
    const response = await fetch(`${this.#url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      // A guard against a hung request, not a speed check: a request made just after Redis
      // died waits for its Redis calls' deadlines (5 s each with the defaults) before memory
      // answers, and a busy machine adds to that.
      signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON (metrics): keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  }

  create(title: string): Promise<JsonResponse<Task>> {
    return this.request<Task>('POST', '/tasks', { title });
  }

  get(id: string): Promise<JsonResponse<Task>> {
    return this.request<Task>('GET', `/tasks/${id}`);
  }

  update(id: string, changes: Partial<Pick<Task, 'title' | 'status' | 'description'>>) {
    return this.request<Task>('PATCH', `/tasks/${id}`, changes);
  }

  list(): Promise<JsonResponse<{ tasks: Task[] }>> {
    return this.request<{ tasks: Task[] }>('GET', '/tasks');
  }

  health(): Promise<JsonResponse<HealthBody>> {
    return this.request<HealthBody>('GET', '/health/detailed');
  }
}

/** The detailed health body (DESIGN.md). */
export interface HealthBody {
  status: 'ok' | 'error';
  overall: 'healthy' | 'degraded' | 'unhealthy';
  checks: Array<{
    name: string;
    status: string;
    message: string;
    details: Record<string, string | number | boolean | null>;
  }>;
}

/** Polls `condition` every 100 ms until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await condition()) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError === undefined ? '' : ` (last error: ${String(lastError)})`}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
