/**
 * Domain errors with the stable codes of API.md. Services throw these, never HTTP exceptions;
 * the problem filter turns them into application/problem+json.
 */
export type ErrorCode =
  | 'validation_failed'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'headers_too_large'
  | 'request_timeout'
  | 'quota_exceeded'
  | 'addresses_exhausted'
  | 'unsupported_disk_format'
  | 'checksum_mismatch'
  | 'no_valid_host'
  | 'rate_limited'
  | 'unavailable'
  | 'internal';

export const STATUS_OF: Record<ErrorCode, number> = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  headers_too_large: 431,
  request_timeout: 408,
  quota_exceeded: 422,
  addresses_exhausted: 422,
  unsupported_disk_format: 422,
  checksum_mismatch: 422,
  no_valid_host: 422,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly errors?: FieldError[],
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
  }

  get status(): number {
    return STATUS_OF[this.code];
  }
}

export const notFound = (what: string, id?: string) =>
  new ApiError('not_found', id ? `${what} ${id} not found` : `${what} not found`);
export const conflict = (detail: string, extra?: Record<string, unknown>) =>
  new ApiError('conflict', detail, undefined, extra);
export const invalid = (field: string, message: string) =>
  new ApiError('validation_failed', `${field}: ${message}`, [{ field, message }]);
export const forbidden = (detail: string) => new ApiError('forbidden', detail);
export const unavailable = (detail: string) => new ApiError('unavailable', detail);
export const unauthorized = (detail = 'a valid bearer token is required') => new ApiError('unauthorized', detail);
