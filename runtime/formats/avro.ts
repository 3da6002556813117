// One Avro binary datum (no container file) decoded with the schema the operation names, as
// the reference engine reads it. The schema is parsed once, when the client is built.
import avro from 'avsc';
import { failure } from './error.js';

export type AvroDecoder = (raw: Buffer) => unknown;

export function avroDecoder(schema: object): AvroDecoder {
  const type = avro.Type.forSchema(schema as avro.Schema);
  return (raw) => {
    try {
      const { value, offset } = type.decode(raw, 0);
      if (offset < 0) throw new Error('the datum ends early');
      // Records come back as class instances; the mapping wants plain JSON values.
      return JSON.parse(
        JSON.stringify(value, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('base64') : v)),
      );
    } catch (err) {
      throw failure('Avro', err);
    }
  };
}
