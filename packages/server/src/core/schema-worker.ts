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
const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new Map<string, ValidateFunction>();

function compile(schema: string): ValidateFunction {
  let validate = compiled.get(schema);
  if (validate) {
    compiled.delete(schema);
  } else {
    validate = ajv.compile(JSON.parse(schema) as object);
    if (compiled.size >= CACHE) compiled.delete(compiled.keys().next().value!);
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
  const errors = (validate.errors ?? []).map(
    (error) => `${error.instancePath || 'data'} ${error.message ?? 'is invalid'}`,
  );
  return { id: job.id, errors };
}

parentPort?.on('message', (job: SchemaJob) => parentPort!.postMessage(run(job)));
