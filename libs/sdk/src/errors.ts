/** An error answer of the API (application/problem+json, see docs/API.md), as an exception. */
export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  /** the stable error code of API.md: not_found, conflict, validation_failed, ... */
  code?: string;
  /** validation_failed: every bad field */
  errors?: { field: string; message: string }[];
  [extra: string]: unknown;
}

/** Any non-2xx answer. `code` is the API's stable error code when the body was a problem. */
export class ProblemError extends Error {
  override name = 'ProblemError';
  readonly status: number;
  readonly code?: string;
  readonly title: string;
  readonly detail?: string;
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(`${problem.status} ${problem.code ?? problem.title}${problem.detail ? `: ${problem.detail}` : ''}`);
    this.problem = problem;
    this.status = problem.status;
    this.title = problem.title;
    if (problem.code !== undefined) this.code = problem.code;
    if (problem.detail !== undefined) this.detail = problem.detail;
  }

  /**
   * From an answer's status and body (parsed JSON, or text when it was not JSON: a proxy's HTML
   * page still makes an error with the status, never a TypeError).
   */
  static from(status: number, body: unknown, statusText = ''): ProblemError {
    if (body && typeof body === 'object' && !Array.isArray(body)) {
      const b = body as Record<string, unknown>;
      return new ProblemError({
        ...b,
        status,
        title: typeof b['title'] === 'string' ? b['title'] : statusText || `HTTP ${status}`,
        ...(typeof b['detail'] === 'string' ? { detail: b['detail'] } : {}),
        ...(typeof b['code'] === 'string' ? { code: b['code'] } : {}),
      } as Problem);
    }
    const text = typeof body === 'string' ? body.trim().slice(0, 500) : '';
    return new ProblemError({ status, title: statusText || `HTTP ${status}`, ...(text ? { detail: text } : {}) });
  }

  /** From a Response whose body was not read yet. */
  static async fromResponse(res: Response): Promise<ProblemError> {
    const text = await res.text().catch(() => '');
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return ProblemError.from(res.status, body, res.statusText);
  }
}

/** A wait that did not see what it waited for in time. */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/**
 * A VM that landed where a wait did not expect it: `error` (its build or an action failed) or
 * `deleted`. Shaped like a ProblemError (status 409, code vm_error or vm_deleted) so callers
 * handling API errors handle this too; `vm` is the VM as last read.
 */
export class VmFailedError extends ProblemError {
  override name = 'VmFailedError';
  constructor(
    readonly vm: { id: string; state: string; error?: { code?: string; message?: string } },
    waitedFor: readonly string[],
  ) {
    const why = vm.error?.message ?? vm.error?.code;
    super({
      status: 409,
      title: `VM ${vm.state}`,
      code: vm.state === 'deleted' ? 'vm_deleted' : 'vm_error',
      detail: `VM ${vm.id} is ${vm.state}, not ${waitedFor.join(' or ')}${why ? ` (${why})` : ''}`,
    });
  }
}
