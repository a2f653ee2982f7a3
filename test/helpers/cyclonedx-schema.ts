import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

// The official CycloneDX 1.6 JSON schema, as @cyclonedx/cyclonedx-library ships it. The bom
// schema refers to its sub-schemas by their SNAPSHOT file names, which differ from their
// own $ids, so they are registered under the URLs the refs resolve to (as the library does).
const schemaDir = join(
  dirname(createRequire(import.meta.url).resolve('@cyclonedx/cyclonedx-library/package.json')),
  'res/schema',
);
/** One schema file of the library, parsed. */
export const schemaFile = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(schemaDir, name), 'utf8')) as Record<string, unknown>;

/** Compiles the schema; a $ref that resolves to no registered schema throws here, offline. */
export function bomValidator(): ValidateFunction {
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    schemas: {
      'http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json': schemaFile(
        'spdx.SNAPSHOT.schema.json',
      ),
      'http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json': schemaFile(
        'jsf-0.82.SNAPSHOT.schema.json',
      ),
    },
  });
  addFormats.default(ajv);
  // ajv-formats has no iri-reference or idn-email, which the schema uses; loose stand-ins
  // (the BOM under test has neither; the CycloneDX library accepts any IRI at all).
  ajv.addFormat('iri-reference', /^[^\s<>"{}|\\^`]*$/u);
  ajv.addFormat('idn-email', /^[^\s@]+@[^\s@]+$/u);
  return ajv.compile(schemaFile('bom-1.6.SNAPSHOT.schema.json'));
}

/** What the schema finds wrong with `bom`: empty when it validates. */
export function cbomSchemaErrors(validate: ValidateFunction, bom: unknown): string[] {
  return validate(bom)
    ? []
    : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ''}`);
}
