import type { StreamingZipExtractor } from "./streaming-zip-extract";

/**
 * The upload's chunks, each handed to the streaming extractor before it goes on to the staging
 * file: one pass over the bytes, and the extractor's pace is the upload's backpressure.
 */
export async function* extractingAlong(chunks: AsyncIterable<Uint8Array>, extractor: StreamingZipExtractor): AsyncIterable<Uint8Array> {
  for await (const chunk of chunks) {
    await extractor.write(chunk);
    yield chunk;
  }
}
