// Sends a package to POST /api/agents/<id>/upload with XMLHttpRequest: fetch() reports no
// upload progress, XHR's upload.onprogress does. The NDJSON response is read as it grows.
import { NdjsonSplitter } from "./ndjson-splitter";
import { parseErrorBody, parseUploadEvent, type UploadEvent } from "./upload-events";

export interface UploadRequest {
  agentId: string;
  name: string;
  /** Omitted: the agent's default window. */
  healthSeconds?: number;
  file: File;
  onProgress(loaded: number, total: number): void;
  onEvent(event: UploadEvent): void;
}

export interface UploadOutcome {
  /** "ok" when the response streamed to its end; otherwise why it stopped. */
  kind: "ok" | "http-error" | "network-error" | "aborted" | "bad-line";
  status: number;
  message: string;
}

/**
 * The multipart body. Order matters: the route reads the fields before the file part, and
 * sizeBytes (the part itself carries no length) lets it refuse an oversized package before
 * reading it and hold the file to that length.
 */
export function uploadForm(req: Pick<UploadRequest, "name" | "healthSeconds" | "file">): FormData {
  const form = new FormData();
  form.append("name", req.name);
  if (req.healthSeconds !== undefined) form.append("healthSeconds", String(req.healthSeconds));
  form.append("sizeBytes", String(req.file.size));
  form.append("package", req.file, req.file.name);
  return form;
}

/** Starts the upload; `abort()` cancels it. The promise never rejects: read `kind`. */
export function sendPackage(req: UploadRequest): { done: Promise<UploadOutcome>; abort(): void } {
  const xhr = new XMLHttpRequest();
  const splitter = new NdjsonSplitter();
  let read = 0;
  let badLine: string | null = null;

  const form = uploadForm(req);

  const emitLines = (lines: string[]) => {
    for (const line of lines) {
      if (badLine !== null) return;
      try {
        req.onEvent(parseUploadEvent(line));
      } catch (err) {
        badLine = err instanceof Error ? err.message : String(err);
      }
    }
  };
  const readNew = () => {
    // Error bodies are one JSON object, not a stream: read them whole on load.
    if (xhr.status !== 200) return;
    const text = xhr.responseText;
    if (text.length > read) {
      emitLines(splitter.push(text.slice(read)));
      read = text.length;
    }
  };

  const done = new Promise<UploadOutcome>((resolve) => {
    xhr.upload.onprogress = (e) => req.onProgress(e.loaded, e.lengthComputable ? e.total : req.file.size);
    xhr.upload.onload = () => req.onProgress(req.file.size, req.file.size);
    xhr.onprogress = readNew;
    xhr.onload = () => {
      if (xhr.status !== 200) {
        resolve({ kind: "http-error", status: xhr.status, message: parseErrorBody(xhr.status, xhr.responseText) });
        return;
      }
      readNew();
      emitLines(splitter.flush());
      if (badLine !== null) resolve({ kind: "bad-line", status: xhr.status, message: badLine });
      else resolve({ kind: "ok", status: xhr.status, message: "" });
    };
    xhr.onerror = () =>
      resolve({ kind: "network-error", status: 0, message: "the upload was interrupted: the console could not be reached" });
    xhr.onabort = () => resolve({ kind: "aborted", status: 0, message: "the upload was cancelled" });
  });

  xhr.open("POST", `/api/agents/${encodeURIComponent(req.agentId)}/upload`);
  xhr.setRequestHeader("Accept", "application/x-ndjson");
  xhr.send(form);
  return { done, abort: () => xhr.abort() };
}
