import { promisify } from 'node:util';
import {
  brotliCompress,
  brotliCompressSync,
  brotliDecompress,
  brotliDecompressSync,
  constants,
  deflateRaw,
  deflateRawSync,
  gunzip,
  gunzipSync,
  gzip,
  gzipSync,
  inflateRaw,
  inflateRawSync,
} from 'node:zlib';

/** Compression algorithms a cache can write; every instance can read all of them. */
export type CompressionAlgorithm = 'gzip' | 'deflate' | 'brotli';

/** Compression of stored values. */
export interface CompressionOptions {
  /** Default `gzip`. `brotli` compresses JSON better and costs more CPU. */
  algorithm?: CompressionAlgorithm;
  /** Values whose serialized form is smaller than this are stored plain. Default 1024. */
  thresholdBytes?: number;
  /** zlib level (0-9) or brotli quality (0-11). Default: zlib's 6, brotli 5. */
  level?: number;
}

/** Header ids; fixed forever, since they are written into stored values. */
export const COMPRESSION_IDS: Readonly<Record<CompressionAlgorithm, number>> = {
  gzip: 1,
  deflate: 2,
  brotli: 3,
};

// Payloads above this are (de)compressed on libuv's thread pool instead of the event loop.
const ASYNC_THRESHOLD_BYTES = 128 * 1024;

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
const deflateAsync = promisify(deflateRaw);
const inflateAsync = promisify(inflateRaw);
const brotliAsync = promisify(brotliCompress);
const unbrotliAsync = promisify(brotliDecompress);

/** Compresses with `algorithm`; small payloads synchronously, large ones off the event loop. */
export function compress(
  algorithm: CompressionAlgorithm,
  data: Buffer,
  level: number | undefined,
): Buffer | Promise<Buffer> {
  const large = data.length > ASYNC_THRESHOLD_BYTES;
  switch (algorithm) {
    case 'gzip': {
      const options = level === undefined ? {} : { level };
      return large ? gzipAsync(data, options) : gzipSync(data, options);
    }
    case 'deflate': {
      const options = level === undefined ? {} : { level };
      return large ? deflateAsync(data, options) : deflateRawSync(data, options);
    }
    case 'brotli': {
      const options = {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: level ?? 5,
          [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
        },
      };
      return large ? brotliAsync(data, options) : brotliCompressSync(data, options);
    }
  }
}

/** Decompresses a payload written by {@link compress}, identified by its header id. */
export function decompress(id: number, data: Buffer): Buffer | Promise<Buffer> | undefined {
  const large = data.length > ASYNC_THRESHOLD_BYTES / 4;
  switch (id) {
    case COMPRESSION_IDS.gzip:
      return large ? gunzipAsync(data) : gunzipSync(data);
    case COMPRESSION_IDS.deflate:
      return large ? inflateAsync(data) : inflateRawSync(data);
    case COMPRESSION_IDS.brotli:
      return large ? unbrotliAsync(data) : brotliDecompressSync(data);
    default:
      return undefined;
  }
}
