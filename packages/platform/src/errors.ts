import { GraphQLError } from 'graphql';
import type { z } from 'zod';

/** The error codes every Polystore API speaks; clients switch on these, never on messages. */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  OUT_OF_STOCK: 'OUT_OF_STOCK',
  PAYMENT_DECLINED: 'PAYMENT_DECLINED',
  /** Too many requests (or sign-in attempts); `extensions.retryAfterSeconds` says when to try again. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** A dependency did not answer and the request was not carried out: nothing changed, it may be retried. */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  /**
   * A mutation was sent but no answer came back (the gateway's deadline passed, or the connection
   * broke after it was delivered): it may or may not have been applied. Check before repeating it
   * (sign in, read the order); the gateway never retries it. Compare SERVICE_UNAVAILABLE.
   */
  OUTCOME_UNKNOWN: 'OUTCOME_UNKNOWN',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface FieldProblem {
  /** Dotted path inside the input, e.g. `input.price.amount`. */
  field: string;
  message: string;
}

/** An error meant for the client: its message and code are part of the API. */
export class AppError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extensions, code } });
    this.name = 'AppError';
  }
}

export const badUserInput = (message: string, fields: FieldProblem[] = []) =>
  new AppError(ErrorCode.BAD_USER_INPUT, message, fields.length ? { fields } : {});
export const notFound = (what: string, id: string) =>
  new AppError(ErrorCode.NOT_FOUND, `${what} ${id} was not found`, { id });
export const conflict = (message: string, extensions: Record<string, unknown> = {}) =>
  new AppError(ErrorCode.CONFLICT, message, extensions);

/** Turn a zod failure on an argument into one BAD_USER_INPUT listing every bad field. */
export function fromZodError(error: z.ZodError, root = 'input'): AppError {
  const fields = error.issues.map((issue) => ({
    field: [root, ...issue.path.map(String)].filter(Boolean).join('.'),
    message: issue.message,
  }));
  const summary = fields.map((f) => `${f.field}: ${f.message}`).join('; ');
  return badUserInput(`Invalid ${root}: ${summary}`, fields);
}

/** Validate a resolver argument with a zod schema, throwing a coded error when it does not fit. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, root = 'input'): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw fromZodError(result.error, root);
  return result.data;
}
