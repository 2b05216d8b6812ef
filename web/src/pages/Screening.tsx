// Screening a batch of declarations (POST /screenings): a JSON Lines or JSON
// file or pasted text, an optional budget, and the results with the reasons
// for each score.
import { useMemo, useState, type FormEvent } from "react";
import { api, ApiError } from "../api";
import { Link } from "../router";
import { Reasons } from "../reasons";
import type { ScreeningResult } from "../types";
import { Badge, Empty, ErrorBox, Notice, PageHeader } from "../ui";

interface ScreeningResponse {
  results: ScreeningResult[];
  errors: { id?: string; index?: number; error: string }[];
  summary: Record<string, unknown>;
  run_id?: string | null;
}

const MAX_BATCH = 10000;

// Declarations from text: a JSON array, {"declarations": [...]}, or JSON
// Lines (one object per line; blank lines skipped).
export function parseDeclarations(text: string): { declarations: unknown[]; problems: string[] } {
  const trimmed = text.trim();
  if (!trimmed) return { declarations: [], problems: [] };
  if (trimmed.startsWith("[") || (trimmed.startsWith("{") && trimmed.includes('"declarations"') && !trimmed.includes("\n{"))) {
    try {
      const value = JSON.parse(trimmed);
      const list = Array.isArray(value) ? value : value.declarations;
      if (Array.isArray(list)) return { declarations: list, problems: [] };
    } catch {
      // fall through to JSON Lines
    }
  }
  const declarations: unknown[] = [];
  const problems: string[] = [];
  trimmed.split(/\r?\n/).forEach((line, index) => {
    if (!line.trim()) return;
    try {
      declarations.push(JSON.parse(line));
    } catch {
      problems.push(`line ${index + 1}: not valid JSON`);
    }
  });
  return { declarations, problems };
}

type Filter = "all" | "selected" | "hits";

export function Screening() {
  const [text, setText] = useState("");
  const [fileName, setFileName] = useState<string>();
  const [budget, setBudget] = useState("");
  const [store, setStore] = useState(true);
  const [response, setResponse] = useState<ScreeningResponse>();
  const [failure, setFailure] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const [filter, setFilter] = useState<Filter>("hits");
  const [page, setPage] = useState(0);
  const parsed = useMemo(() => parseDeclarations(text), [text]);
  const pageSize = 25;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(undefined);
    setResponse(undefined);
    if (parsed.declarations.length === 0) {
      setFailure(new Error("Choose a file or paste declarations first."));
      return;
    }
    if (parsed.declarations.length > MAX_BATCH) {
      setFailure(new Error(`A batch holds at most ${MAX_BATCH.toLocaleString("en")} declarations; this one has ${parsed.declarations.length}.`));
      return;
    }
    setBusy(true);
    try {
      const body: Record<string, unknown> = { declarations: parsed.declarations, store };
      if (budget.trim()) body.budget = budget.trim().endsWith("%") ? budget.trim() : `${budget.trim()}%`;
      setResponse(await api.post<ScreeningResponse>("/screenings", body));
      setPage(0);
    } catch (error) {
      setFailure(error as ApiError);
    } finally {
      setBusy(false);
    }
  };

  const shown = (response?.results ?? []).filter((result) => (filter === "all" ? true : filter === "selected" ? result.selected : result.hits.length > 0));
  const pages = Math.max(1, Math.ceil(shown.length / pageSize));
  const slice = shown.slice(page * pageSize, page * pageSize + pageSize);

  return (
    <section>
      <PageHeader title="Screen a batch of declarations" subtitle="Every declaration is checked against recorded marks, risk profiles, the watchlist and the active model (docs/screening.md)." />
      <form className="card" onSubmit={submit}>
        <div className="row">
          <div className="field">
            <label htmlFor="batch-file">Declarations file (JSON Lines or JSON)</label>
            <input
              id="batch-file"
              type="file"
              accept=".jsonl,.json,.ndjson,application/json,text/plain"
              onChange={async (event) => {
                const file = event.target.files?.[0];
                if (!file) return;
                setFileName(file.name);
                setText(await file.text());
              }}
            />
          </div>
          <div className="field">
            <label htmlFor="budget">Inspection budget (optional)</label>
            <input id="budget" placeholder="e.g. 5%" value={budget} onChange={(event) => setBudget(event.target.value)} />
            <div className="hint">The top share by score; without it every red result is selected.</div>
          </div>
          <label className="checkbox">
            <input type="checkbox" checked={store} onChange={(event) => setStore(event.target.checked)} /> Store the run (selected declarations join the queue)
          </label>
        </div>
        <div className="field">
          <label htmlFor="batch-text">…or paste declarations</label>
          <textarea id="batch-text" rows={6} className="mono" value={text} onChange={(event) => setText(event.target.value)} placeholder='{"id":"D-1","office":"DEHAM","origin":"CN","items":[...]}' />
          <div className="hint">
            {fileName ? `${fileName}: ` : ""}
            {parsed.declarations.length} declaration{parsed.declarations.length === 1 ? "" : "s"} read
            {parsed.problems.length ? `; ${parsed.problems.length} unreadable line(s): ${parsed.problems.slice(0, 3).join(", ")}` : ""}
          </div>
        </div>
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? "Screening…" : "Screen"}
        </button>
      </form>
      {failure && <ErrorBox error={failure} />}
      {response && (
        <div data-testid="screening-results">
          <Notice tone="ok">
            Screened {String(response.summary.screened ?? response.results.length)} of {String(response.summary.declarations ?? "")} declarations;{" "}
            <strong>{response.results.filter((result) => result.selected).length} selected</strong> for inspection
            {response.errors.length ? `; ${response.errors.length} could not be read` : ""}.
            {response.run_id && (
              <>
                {" "}
                Stored as run <code>{response.run_id}</code>: the selected ones are in the <Link to="/selections">selection queue</Link>.
              </>
            )}
          </Notice>
          <div className="filters">
            <label>
              Show{" "}
              <select
                value={filter}
                onChange={(event) => {
                  setFilter(event.target.value as Filter);
                  setPage(0);
                }}
              >
                <option value="hits">results with hits</option>
                <option value="selected">selected only</option>
                <option value="all">all results</option>
              </select>
            </label>
          </div>
          {shown.length === 0 ? (
            <Empty>No result matches.</Empty>
          ) : (
            <div className="table-scroll">
              <table className="data">
                <caption className="visually-hidden">Screening results</caption>
                <thead>
                  <tr>
                    <th scope="col">Declaration</th>
                    <th scope="col">Office</th>
                    <th scope="col" className="num">
                      Score
                    </th>
                    <th scope="col">Channel</th>
                    <th scope="col">Selected</th>
                    <th scope="col">Reasons</th>
                  </tr>
                </thead>
                <tbody>
                  {slice.map((result) => (
                    <tr key={result.id} data-declaration={result.id}>
                      <td>{result.id}</td>
                      <td>{result.office}</td>
                      <td className="num">{result.score.toFixed(4)}</td>
                      <td>
                        <Badge value={result.channel} />
                      </td>
                      <td>{result.selected ? "yes" : "no"}</td>
                      <td>
                        <Reasons hits={result.hits} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {pages > 1 && (
            <nav className="pager" aria-label="Result pages">
              <button type="button" className="button secondary" disabled={page === 0} onClick={() => setPage(page - 1)}>
                ← Previous
              </button>
              <span>
                Page {page + 1} of {pages}
              </span>
              <button type="button" className="button secondary" disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>
                Next →
              </button>
            </nav>
          )}
          {response.errors.length > 0 && (
            <div className="card">
              <h2>Declarations that could not be read</h2>
              <ul className="plain">
                {response.errors.map((error, index) => (
                  <li key={index}>
                    <code>{error.id ?? `#${error.index ?? index}`}</code> {error.error}
                  </li>
                ))}
              </ul>
            </div>
          )}
        </div>
      )}
    </section>
  );
}
