// The one way the dashboard talks to Cordon's API (/api/v1): bearer token,
// JSON in and out, RFC 9457 problem details turned into ApiError with the
// fields the server named.

export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly errors: FieldError[];
  constructor(status: number, title: string, detail: string, errors: FieldError[] = []) {
    super(detail || title);
    this.status = status;
    this.title = title;
    this.errors = errors;
  }
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

const TOKEN_KEY = "cordon.token";
let token: string | null = sessionStorage.getItem(TOKEN_KEY);

export function setToken(value: string | null): void {
  token = value;
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export function hasToken(): boolean {
  return token !== null;
}

export const SIGNED_OUT_EVENT = "cordon:signed-out";

export interface RequestOptions {
  body?: unknown;
  raw?: Blob | ArrayBuffer;
  contentType?: string;
  query?: Record<string, string | number | boolean | undefined | null>;
  signal?: AbortSignal;
}

export function withQuery(path: string, query?: RequestOptions["query"]): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  let body: BodyInit | undefined;
  if (options.raw !== undefined) {
    body = options.raw;
    headers["Content-Type"] = options.contentType ?? "application/octet-stream";
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["Content-Type"] = "application/json";
  }
  let response: Response;
  try {
    response = await fetch(withQuery(`/api/v1${path}`, options.query), {
      method,
      headers,
      body,
      signal: options.signal,
    });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw new ApiError(0, "Network error", "The server cannot be reached. Check the connection and try again.");
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let data: any = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    if (response.status === 401 && token && path !== "/sessions") {
      setToken(null);
      window.dispatchEvent(new Event(SIGNED_OUT_EVENT));
    }
    throw new ApiError(
      response.status,
      data?.title ?? response.statusText,
      data?.detail ?? `${response.status} ${response.statusText}`,
      Array.isArray(data?.errors) ? data.errors : [],
    );
  }
  return data as T;
}

// Bytes (photos, evidence) with the session's token: an <img> cannot send it.
export async function requestBlob(path: string, signal?: AbortSignal): Promise<Blob> {
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, { headers, signal });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw new ApiError(0, "Network error", "The server cannot be reached. Check the connection and try again.");
  }
  if (!response.ok) throw new ApiError(response.status, response.statusText, `${response.status} ${response.statusText}`);
  return response.blob();
}

export const api = {
  get: <T>(path: string, query?: RequestOptions["query"], signal?: AbortSignal) =>
    request<T>("GET", path, { query, signal }),
  post: <T>(path: string, body: unknown = {}, query?: RequestOptions["query"]) =>
    request<T>("POST", path, { body, query }),
  put: <T>(path: string, body: unknown) => request<T>("PUT", path, { body }),
  del: <T>(path: string) => request<T>("DELETE", path),
  upload: <T>(path: string, raw: Blob | ArrayBuffer, contentType: string, query?: RequestOptions["query"]) =>
    request<T>("POST", path, { raw, contentType, query }),
};

// Errors for one input: those naming exactly its path or something inside it
// ("rights[0].marks" shows "rights[0].marks[1]").
export function errorsFor(errors: FieldError[], path: string): string[] {
  return errors
    .filter((error) => error.field === path || error.field.startsWith(`${path}[`) || error.field.startsWith(`${path}.`))
    .map((error) => (error.field === path ? error.message : `${error.field.slice(path.length).replace(/^\./, "")}: ${error.message}`));
}
