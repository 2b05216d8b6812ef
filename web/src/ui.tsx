// Shared building blocks: data loading with loading/empty/error states,
// server-paged tables, form fields that show the server's field errors,
// status badges and the deadline countdown.
import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from "react";
import { ApiError, errorsFor, type FieldError, type Page } from "./api";

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | Error | undefined;
  loading: boolean;
  reload: () => void;
}

// Runs load() when deps change; keeps the last data while reloading.
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    setError(undefined);
    load(controller.signal)
      .then((value) => {
        if (!controller.signal.aborted) setData(value);
      })
      .catch((reason: Error) => {
        if (!controller.signal.aborted) setError(reason);
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, generation]);
  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { data, error, loading, reload };
}

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {label}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="state state-empty">{children}</div>;
}

export function ErrorBox({ error, retry }: { error: Error; retry?: () => void }) {
  const api = error instanceof ApiError ? error : undefined;
  return (
    <div className="state state-error" role="alert">
      <strong>{api ? api.title : "Something went wrong"}</strong>
      <span>{error.message}</span>
      {api && api.errors.length > 0 && (
        <ul>
          {api.errors.map((item) => (
            <li key={item.field + item.message}>
              <code>{item.field || "(body)"}</code> {item.message}
            </li>
          ))}
        </ul>
      )}
      {retry && (
        <button type="button" className="button secondary" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

// Loading, error or the content.
export function Show<T>({ loaded, children, label }: { loaded: Loaded<T>; children: (data: T) => ReactNode; label?: string }) {
  if (loaded.error && loaded.data === undefined) return <ErrorBox error={loaded.error} retry={loaded.reload} />;
  if (loaded.data === undefined) return <Loading label={label} />;
  return <>{children(loaded.data)}</>;
}

export interface Column<T> {
  header: string;
  render: (row: T) => ReactNode;
  className?: string;
}

export interface SortOption {
  value: string;
  label: string;
}

// A table whose rows come from the server a page at a time (cursor
// pagination): Previous/Next walk the cursors, the page size and the order
// (where the server offers several) are sent with each request.
export function PagedTable<T>({
  caption,
  columns,
  fetchPage,
  rowKey,
  empty,
  sortOptions,
  deps = [],
  testId,
  refreshWhile,
}: {
  caption: string;
  columns: Column<T>[];
  fetchPage: (args: { cursor?: string; limit: number; sort: string; signal: AbortSignal }) => Promise<Page<T>>;
  rowKey: (row: T) => string;
  empty: ReactNode;
  sortOptions?: SortOption[];
  deps?: unknown[];
  testId?: string;
  // Reloads the page every 2 s while this holds for its rows (e.g. messages
  // still being delivered).
  refreshWhile?: (rows: T[]) => boolean;
}) {
  const [limit, setLimit] = useState(25);
  const [sort, setSort] = useState(sortOptions?.[0]?.value ?? "");
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const loaded = useLoad((signal) => fetchPage({ cursor, limit, sort, signal }), [cursor, limit, sort, ...deps]);
  const reset = () => setCursors([undefined]);
  const depsKey = JSON.stringify(deps);
  const firstRender = useRef(true);
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    reset();
  }, [depsKey]);
  const polling = !loaded.loading && !loaded.error && !!loaded.data && !!refreshWhile?.(loaded.data.items);
  const { reload } = loaded;
  useEffect(() => {
    if (!polling) return;
    const timer = window.setTimeout(reload, 2000);
    return () => window.clearTimeout(timer);
  }, [polling, reload, loaded.data]);
  const pageNumber = cursors.length;
  const sortId = useId();
  const sizeId = useId();
  return (
    <div className="table-block" data-testid={testId}>
      <div className="table-tools">
        {sortOptions && sortOptions.length > 1 && (
          <label htmlFor={sortId}>
            Order{" "}
            <select
              id={sortId}
              value={sort}
              onChange={(event) => {
                setSort(event.target.value);
                reset();
              }}
            >
              {sortOptions.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
          </label>
        )}
        <label htmlFor={sizeId}>
          Rows{" "}
          <select
            id={sizeId}
            value={limit}
            onChange={(event) => {
              setLimit(Number(event.target.value));
              reset();
            }}
          >
            {[10, 25, 50, 100].map((size) => (
              <option key={size}>{size}</option>
            ))}
          </select>
        </label>
        {loaded.loading && loaded.data && <span className="muted">Refreshing…</span>}
      </div>
      {loaded.error ? (
        <ErrorBox error={loaded.error} retry={loaded.reload} />
      ) : !loaded.data ? (
        <Loading />
      ) : loaded.data.items.length === 0 ? (
        <Empty>{empty}</Empty>
      ) : (
        <div className="table-scroll">
          <table className="data">
            <caption className="visually-hidden">{caption}</caption>
            <thead>
              <tr>
                {columns.map((column) => (
                  <th key={column.header} scope="col" className={column.className}>
                    {column.header}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {loaded.data.items.map((row) => (
                <tr key={rowKey(row)}>
                  {columns.map((column) => (
                    <td key={column.header} className={column.className}>
                      {column.render(row)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav className="pager" aria-label={`${caption} pages`}>
        <button
          type="button"
          className="button secondary"
          disabled={cursors.length <= 1 || loaded.loading}
          onClick={() => setCursors((list) => list.slice(0, -1))}
        >
          ← Previous
        </button>
        <span>Page {pageNumber}</span>
        <button
          type="button"
          className="button secondary"
          disabled={!loaded.data?.next_cursor || loaded.loading}
          onClick={() => setCursors((list) => [...list, loaded.data?.next_cursor ?? undefined])}
        >
          Next →
        </button>
      </nav>
    </div>
  );
}

// A labelled form field showing the errors (client or server) for its path.
export function Field({
  label,
  path,
  errors,
  hint,
  children,
  required,
}: {
  label: string;
  path: string;
  errors: FieldError[];
  hint?: string;
  required?: boolean;
  children: (props: { id: string; "aria-invalid": boolean; "aria-describedby"?: string; name: string }) => ReactNode;
}) {
  const id = `f-${path.replace(/[^a-zA-Z0-9_-]/g, "_")}`;
  const messages = errorsFor(errors, path);
  const describedBy = [hint ? `${id}-hint` : "", messages.length ? `${id}-error` : ""].filter(Boolean).join(" ");
  return (
    <div className={`field${messages.length ? " field-invalid" : ""}`} data-field={path}>
      <label htmlFor={id}>
        {label}
        {required && (
          <span className="required" aria-hidden="true">
            {" "}
            *
          </span>
        )}
      </label>
      {children({ id, "aria-invalid": messages.length > 0, "aria-describedby": describedBy || undefined, name: path })}
      {hint && (
        <div className="hint" id={`${id}-hint`}>
          {hint}
        </div>
      )}
      {messages.length > 0 && (
        <div className="field-error" id={`${id}-error`} role="alert">
          {messages.join("; ")}
        </div>
      )}
    </div>
  );
}

const BADGE_TONES: Record<string, string> = {
  draft: "neutral",
  submitted: "info",
  granted: "ok",
  expired: "warn",
  rejected: "bad",
  suspended: "warn",
  revoked: "bad",
  open: "info",
  done: "ok",
  red: "bad",
  yellow: "warn",
  green: "ok",
  destroyed: "ok",
  released: "neutral",
  handed_over: "neutral",
  notified: "info",
  court_proceedings: "warn",
};

export function Badge({ value, tone }: { value: string; tone?: string }) {
  return <span className={`badge badge-${tone ?? BADGE_TONES[value] ?? "neutral"}`}>{value.replace(/_/g, " ")}</span>;
}

export function formatDate(value: string | null | undefined): string {
  if (!value) return "—";
  return value.slice(0, 10);
}

export function formatDateTime(value: string | null | undefined): string {
  if (!value) return "—";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return date.toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

export function todayIso(): string {
  return new Date().toISOString().slice(0, 10);
}

// Time left until the end of a due day (a period ends at the end of its last
// day, Regulation 1182/71 Art. 3(2)(b); days are UTC dates in Cordon).
export function timeLeft(due: string, now: number): { ms: number; text: string } {
  const end = Date.parse(`${due}T23:59:59.999Z`);
  const ms = end - now;
  const abs = Math.abs(ms);
  const days = Math.floor(abs / 86_400_000);
  const hours = Math.floor((abs % 86_400_000) / 3_600_000);
  const minutes = Math.floor((abs % 3_600_000) / 60_000);
  const seconds = Math.floor((abs % 60_000) / 1000);
  const clock = `${String(hours).padStart(2, "0")}:${String(minutes).padStart(2, "0")}:${String(seconds).padStart(2, "0")}`;
  const text = `${days} d ${clock}`;
  return { ms, text: ms >= 0 ? `${text} left` : `overdue by ${text}` };
}

export function Countdown({ due, live = true }: { due: string; live?: boolean }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!live) return;
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [live]);
  const left = timeLeft(due, now);
  const tone = left.ms < 0 ? "bad" : left.ms < 2 * 86_400_000 ? "warn" : "ok";
  return (
    <span className={`countdown countdown-${tone}`} aria-label={`due ${due}: ${left.text}`}>
      {left.text}
    </span>
  );
}

// A page's title. When a page appears (after a navigation, or once its data
// has loaded) the focus moves to its heading, so keyboard and screen-reader
// users start at the top of what changed.
export function PageHeader({ title, children, subtitle }: { title: string; subtitle?: ReactNode; children?: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus({ preventScroll: true });
  }, []);
  return (
    <header className="page-header">
      <div>
        <h1 tabIndex={-1} ref={heading}>
          {title}
        </h1>
        {subtitle && <p className="subtitle">{subtitle}</p>}
      </div>
      {children && <div className="page-actions">{children}</div>}
    </header>
  );
}

export function Notice({ tone = "info", children }: { tone?: "info" | "ok" | "warn" | "bad"; children: ReactNode }) {
  return (
    <div className={`notice notice-${tone}`} role={tone === "bad" ? "alert" : "status"}>
      {children}
    </div>
  );
}

export function splitList(text: string): string[] {
  return text
    .split(/[,;\n]/)
    .map((part) => part.trim())
    .filter(Boolean);
}

export function humanize(value: string): string {
  return value.replace(/_/g, " ");
}
