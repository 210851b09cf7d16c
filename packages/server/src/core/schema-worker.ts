/**
 * The worker thread that compiles and runs task acceptance schemas (see schema-checks.ts). It holds
 * nothing but a cache of compiled schemas, so the hub may end it at any moment and start another.
 */
import { parentPort } from 'node:worker_threads';
import { Ajv, type ValidateFunction } from 'ajv';

/** A schema and, to validate, the data: both as JSON text. */
export type SchemaRequest = { kind: 'compile'; schema: string } | { kind: 'validate'; schema: string; data?: string };
export type SchemaJob = SchemaRequest & { id: number };

/** Undefined `error`: the schema compiled; for `validate`, `errors` lists what the data breaks. */
export interface SchemaOutcome {
  id: number;
  error?: string;
  errors?: string[];
}

/** Compiled schemas kept, by their text: the most recently used stay. */
const CACHE = 256;
/** Errors a verdict lists, and characters of each: a result breaking a schema 30,000 times says so briefly. */
const MAX_ERRORS = 20;
const MAX_ERROR_CHARS = 200;
// Schemas are kept apart: an `$id` is not registered, so one task's schema can neither take another's
// `$id` nor `$ref` it (and read its rules from the errors).
const ajv = new Ajv({ allErrors: true, strict: false, addUsedSchema: false });
const compiled = new Map<string, ValidateFunction>();

function compile(schema: string): ValidateFunction {
  let validate = compiled.get(schema);
  if (validate) {
    compiled.delete(schema);
  } else {
    validate = ajv.compile(JSON.parse(schema) as object);
    if (compiled.size >= CACHE) {
      const [oldest, evicted] = compiled.entries().next().value!;
      compiled.delete(oldest);
      // Ajv keeps every schema it compiled until told otherwise.
      ajv.removeSchema(evicted.schema as object);
    }
  }
  compiled.set(schema, validate);
  return validate;
}

function run(job: SchemaJob): SchemaOutcome {
  let validate: ValidateFunction;
  try {
    validate = compile(job.schema);
  } catch (error) {
    return { id: job.id, error: (error as Error).message };
  }
  if (job.kind === 'compile') return { id: job.id };
  if (validate(job.data === undefined ? undefined : JSON.parse(job.data))) return { id: job.id, errors: [] };
  const all = validate.errors ?? [];
  const errors = all
    .slice(0, MAX_ERRORS)
    .map((error) => `${error.instancePath || 'data'} ${error.message ?? 'is invalid'}`.slice(0, MAX_ERROR_CHARS));
  if (all.length > MAX_ERRORS) errors.push(`and ${all.length - MAX_ERRORS} more`);
  return { id: job.id, errors };
}

parentPort?.on('message', (job: SchemaJob) => parentPort!.postMessage(run(job)));
// Loaded: from now on a check's time is the schema's own, not the thread's start-up.
parentPort?.postMessage({ ready: true });
