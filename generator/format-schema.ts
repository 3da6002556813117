// The schema file an Avro or Protobuf `outputRawFormat` needs, named by the operation's
// `outputSchema` (a path relative to the spec, or file:///): read and parsed at generation time,
// so a missing or broken schema is a located warning, and the generated client embeds it.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import protobuf from 'protobufjs';

export type SchemaFormat = 'avro' | 'protobuf';

export interface FormatSchema {
  /** The file read. */
  file: string;
  /** Avro: the parsed JSON schema; Protobuf: the .proto source. */
  schema: object | string;
}

/** Reads and checks the schema; throws an Error whose message says what is wrong. */
export function readFormatSchema(
  format: SchemaFormat,
  outputSchema: unknown,
  specFile: string,
): FormatSchema {
  if (typeof outputSchema !== 'string' || outputSchema.trim() === '')
    throw new Error(
      `outputRawFormat ${format} needs \`outputSchema\` naming its schema file (${format === 'avro' ? '.avsc' : '.proto'})`,
    );
  const location = outputSchema.trim();
  const file = location.startsWith('file:')
    ? location.startsWith('file:///./')
      ? join(dirname(specFile), location.slice('file:///./'.length))
      : fileURLToPath(location)
    : isAbsolute(location)
      ? location
      : join(dirname(specFile), location);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`the ${format} schema file ${JSON.stringify(location)} cannot be read`);
  }
  try {
    if (format === 'avro') {
      const schema = JSON.parse(text) as object;
      avro.Type.forSchema(schema as avro.Schema);
      return { file, schema };
    }
    const root = protobuf.parse(text, { keepCase: true }).root;
    if (
      !root.nestedArray.some(function has(n): boolean {
        return n instanceof protobuf.Type || (n instanceof protobuf.Namespace && n.nestedArray.some(has));
      })
    )
      throw new Error('it defines no message');
    return { file, schema: text };
  } catch (err) {
    const detail = (err instanceof Error ? err.message : String(err)).split('\n', 1)[0]!.slice(0, 200);
    throw new Error(`the ${format} schema file ${JSON.stringify(location)} is not valid: ${detail}`);
  }
}
