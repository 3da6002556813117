// One Protocol Buffers message decoded with the .proto schema the operation names. As in the
// reference engine, the root type is the first message the schema defines.
import protobuf from 'protobufjs';
import { failure } from './error.js';

export type ProtobufDecoder = (raw: Buffer) => unknown;

function firstMessage(ns: protobuf.NamespaceBase): protobuf.Type | undefined {
  for (const nested of ns.nestedArray) {
    if (nested instanceof protobuf.Type) return nested;
    if (nested instanceof protobuf.Namespace) {
      const found = firstMessage(nested);
      if (found) return found;
    }
  }
  return undefined;
}

export function protobufDecoder(source: string): ProtobufDecoder {
  const root = protobuf.parse(source, { keepCase: true }).root;
  const type = firstMessage(root);
  if (!type) throw new Error('the .proto schema defines no message');
  return (raw) => {
    try {
      return type.toObject(type.decode(raw), {
        longs: String,
        enums: String,
        bytes: String,
        defaults: false,
      });
    } catch (err) {
      throw failure('Protobuf', err);
    }
  };
}
