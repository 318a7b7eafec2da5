/**
 * SHA-256, and HMAC-SHA-256 with a secret, from node:crypto, in the shape @smithy/signature-v4 takes as `sha256`
 * (a Checksum constructor). Used by the local stand-ins' SigV4 check and by the integration tests' HTTP probe,
 * which signs its IAM requests (and is bundled for Lambda: no other import here).
 */
import { createHash, createHmac, Hash, Hmac } from 'node:crypto';

type Bytes = string | ArrayBuffer | ArrayBufferView;

function bytes(data: Bytes): string | Uint8Array {
  if (typeof data === 'string') return data;
  return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
}

export class Sha256 {
  private hash: Hash | Hmac;
  private readonly secret?: string | Uint8Array;

  constructor(secret?: Bytes) {
    this.secret = secret === undefined ? undefined : bytes(secret);
    this.hash = this.fresh();
  }

  public update(data: Bytes): void {
    this.hash.update(bytes(data));
  }

  public async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  public reset(): void {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
}
