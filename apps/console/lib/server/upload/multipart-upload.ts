import "server-only";
// Parses the upload's multipart body with busboy as a stream: the fields that come before the
// file, then the file part as a Readable that is consumed only as fast as the agent accepts it.
import busboy from "busboy";
import { Readable } from "node:stream";
import type { ReadableStream as NodeWebReadableStream } from "node:stream/web";
import { HttpError } from "../http-errors";

export interface MultipartUpload {
  /** Fields sent before the file part. */
  fields: Map<string, string>;
  fieldName: string;
  filename: string;
  mimeType: string;
  /** The file's bytes. Errors with FileTooLargeError past the size cap. */
  file: Readable;
  /** Stops reading the request (e.g. when the install failed early). */
  abandon(): void;
}

export class FileTooLargeError extends Error {}

export function startMultipartUpload(body: ReadableStream<Uint8Array>, contentType: string, maxFileBytes: number): Promise<MultipartUpload> {
  let bb: busboy.Busboy;
  try {
    // busboy reports the limit when a file reaches it; +1 lets a file of exactly the cap through.
    bb = busboy({ headers: { "content-type": contentType }, limits: { files: 1, fileSize: maxFileBytes + 1, fields: 10, fieldSize: 4096, parts: 12 } });
  } catch (err) {
    return Promise.reject(new HttpError(400, `malformed multipart request: ${(err as Error).message}`));
  }
  const source = Readable.fromWeb(body as NodeWebReadableStream<Uint8Array>);
  const abandon = () => {
    source.unpipe(bb);
    source.destroy();
  };
  const fields = new Map<string, string>();

  return new Promise<MultipartUpload>((resolve, reject) => {
    let gotFile = false;
    const fail = (err: HttpError) => {
      abandon();
      reject(err);
    };
    bb.on("field", (name, value, info) => {
      if (info.valueTruncated) fail(new HttpError(400, `form field ${JSON.stringify(name)} is too long`));
      else fields.set(name, value);
    });
    bb.on("file", (fieldName, file, info) => {
      if (gotFile) {
        file.resume();
        return;
      }
      gotFile = true;
      // Whoever reads the file sees its errors through the stream; this listener only keeps an
      // error that comes before the first read from being "unhandled".
      file.on("error", () => {});
      file.once("limit", () => {
        // Stop reading the request at once: the rest of an oversized upload is never wanted.
        file.destroy(new FileTooLargeError(`the package is larger than the upload limit of ${maxFileBytes} bytes (SYSWARD_MAX_UPLOAD_BYTES)`));
        abandon();
      });
      resolve({ fields, fieldName, filename: info.filename ?? "", mimeType: info.mimeType ?? "", file, abandon });
    });
    bb.on("fieldsLimit", () => fail(new HttpError(400, "too many form fields")));
    bb.on("partsLimit", () => fail(new HttpError(400, "too many form parts")));
    bb.on("error", (err: Error) => fail(new HttpError(400, `malformed multipart request: ${err.message}`)));
    bb.on("close", () => {
      if (!gotFile) reject(new HttpError(400, 'no package in the form: send the ZIP as the file part named "package", after the "name" field'));
    });
    source.on("error", (err) => {
      if (!gotFile) reject(new HttpError(400, `the upload broke off: ${err.message}`));
      bb.destroy(err);
    });
    source.pipe(bb);
  });
}
