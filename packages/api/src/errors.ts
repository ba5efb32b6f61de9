export type ApiErrorCode = 'unauthorized' | 'forbidden' | 'not-found' | 'bad-request' | 'conflict' | 'unavailable';

/** The api package's one error class; REST and tRPC map `code` in one place each. */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ApiError';
  }
}

export const HTTP_STATUS: Record<ApiErrorCode, number> = {
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  'bad-request': 400,
  conflict: 409,
  unavailable: 503,
};

export const TRPC_CODE = {
  unauthorized: 'UNAUTHORIZED',
  forbidden: 'FORBIDDEN',
  'not-found': 'NOT_FOUND',
  'bad-request': 'BAD_REQUEST',
  conflict: 'CONFLICT',
  unavailable: 'SERVICE_UNAVAILABLE',
} as const satisfies Record<ApiErrorCode, string>;
