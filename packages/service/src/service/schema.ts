/**
 * Payload schemas per message type: JSON Schema (a TypeBox `Type.Object(…)`
 * is one), compiled once with ajv when the handler is registered. A payload
 * that fails its schema is answered with status 400 and
 * `ERR_STREAMERSON_INVALID_PAYLOAD`; the handler does not run.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { InvalidOptionError } from '@streamerson/core';

/** One ajv instance per process: compiled schemas are cached by it. */
let shared: Ajv | undefined;

/** A compiled schema: undefined when the payload is valid, else what is wrong. */
export type PayloadCheck = (payload: unknown) => PayloadProblem[] | undefined;

/** One validation error, safe to send to the caller. */
export interface PayloadProblem {
  /** JSON pointer into the payload (`/items/0/qty`); empty for the root. */
  readonly path: string;
  readonly message: string;
}

/** Compiles `schema`; throws InvalidOptionError naming `option` when it is not a valid JSON Schema. */
export function compileSchema(schema: unknown, option: string): PayloadCheck {
  if (typeof schema !== 'object' || schema === null) throw new InvalidOptionError(option, 'expected a JSON Schema object');
  shared ??= new Ajv({ allErrors: true, strict: false });
  let validate: ValidateFunction;
  try {
    validate = shared.compile(schema);
  } catch (err) {
    throw new InvalidOptionError(option, `not a valid JSON Schema: ${(err as Error).message}`, { cause: err });
  }
  return (payload) => (validate(payload) ? undefined : (validate.errors ?? []).map(toProblem));
}

function toProblem(e: ErrorObject): PayloadProblem {
  return { path: e.instancePath, message: e.message ?? 'is invalid' };
}
