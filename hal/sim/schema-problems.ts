import type { ErrorObject } from 'ajv';

/**
 * Ajv's errors in a person's words, each naming its key path the way it is written in the input
 * (`devices[2].installCode`), so scenario files and control requests report problems alike.
 */
function keyPath(error: ErrorObject, topLevel: string): string {
  const segments = error.instancePath.split('/').filter(Boolean);
  if (error.keyword === 'additionalProperties') segments.push(String((error.params as { additionalProperty: string }).additionalProperty));
  if (error.keyword === 'required') segments.push(String((error.params as { missingProperty: string }).missingProperty));
  if (segments.length === 0) return topLevel;
  return segments.map((s) => (/^\d+$/.test(s) ? `[${s}]` : `.${s}`)).join('').replace(/^\./, '');
}

function describe(error: ErrorObject, unknownKey: string): string {
  switch (error.keyword) {
    case 'additionalProperties':
      return `is not a known ${unknownKey}`;
    case 'required':
      return 'is required';
    case 'enum':
      return `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
    default:
      return error.message ?? 'is not valid';
  }
}

/** One line per distinct problem; `unknownKey` names what an unexpected key is (a setting, a field). */
export function schemaProblems(errors: ErrorObject[] | null | undefined, options: { topLevel: string; unknownKey: string }): string[] {
  const lines = (errors ?? []).map((e) => `${keyPath(e, options.topLevel)} ${describe(e, options.unknownKey)}`);
  return [...new Set(lines)];
}
