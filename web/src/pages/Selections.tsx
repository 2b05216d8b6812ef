// The selection queue (declarations chosen for physical inspection, best
// score first), one selection with its reasons, recording the finding, and
// opening a case from a suspected infringement.
import { useState, type FormEvent } from "react";
import { api, ApiError, type Page } from "../api";
import { can, useMe } from "../auth";
import { Link, navigate, useLocation } from "../router";
import { Reasons } from "../reasons";
import type { Selection } from "../types";
import { Badge, ErrorBox, Field, formatDateTime, humanize, Notice, PagedTable, PageHeader, Show, todayIso, useLoad } from "../ui";

export function SelectionsList() {
  const me = useMe();
  const location = useLocation();
  const status = location.query.get("status") ?? "open";
  const office = location.query.get("office") ?? "";
  const setFilter = (name: string, value: string) => {
    const query = new URLSearchParams(location.query);
    query.set(name, value);
    navigate(`/selections?${query}`, true);
  };
  const today = todayIso();
  return (
    <section>
      <PageHeader title="Selection queue" subtitle="Declarations selected for physical inspection, highest risk first." />
      <div className="filters">
        <label>
          Status{" "}
          <select value={status} onChange={(event) => setFilter("status", event.target.value)}>
            <option value="open">open</option>
            <option value="done">done</option>
            <option value="">all</option>
          </select>
        </label>
        <label>
          Office{" "}
          <select value={office} onChange={(event) => setFilter("office", event.target.value)}>
            <option value="">all</option>
            {(me.organisation.offices ?? []).map((value) => (
              <option key={value}>{value}</option>
            ))}
          </select>
        </label>
      </div>
      <PagedTable<Selection>
        caption="Selections"
        testId="selections-table"
        deps={[status, office]}
        sortOptions={[{ value: "score", label: "Highest score first" }]}
        fetchPage={({ cursor, limit, signal }) => api.get<Page<Selection>>("/selections", { status, office, limit, cursor }, signal)}
        rowKey={(row) => row.id}
        empty={status === "open" ? "Nothing waits for inspection." : "No selections."}
        columns={[
          {
            header: "Declaration",
            render: (row) => (
              <>
                <Link to={`/selections/${row.id}`}>{row.declaration_id}</Link>
                {row.created_at.slice(0, 10) === today && <span className="tag">today</span>}
              </>
            ),
          },
          { header: "Office", render: (row) => row.office },
          { header: "Score", render: (row) => row.score.toFixed(3), className: "num" },
          { header: "Channel", render: (row) => <Badge value={row.channel} /> },
          { header: "Why", render: (row) => row.hits.map((hit) => (hit.kind === "mark" ? `mark ${hit.found}` : hit.kind === "profile" ? `profile` : hit.kind)).join(", ") },
          { header: "Status", render: (row) => (row.finding ? <Badge value={row.finding.outcome} tone={row.finding.outcome === "suspected_ipr_infringement" ? "bad" : "ok"} /> : <Badge value={row.status} />) },
        ]}
      />
    </section>
  );
}

function FindingForm({ selection, onDone }: { selection: Selection; onDone: () => void }) {
  const [outcome, setOutcome] = useState("suspected_ipr_infringement");
  const [notes, setNotes] = useState("");
  const [failure, setFailure] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setFailure(undefined);
    try {
      await api.post(`/selections/${selection.id}/finding`, { outcome, notes });
      onDone();
    } catch (error) {
      setFailure(error as ApiError);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="finding-title">
      <h2 id="finding-title">Record the inspection finding</h2>
      <fieldset className="radio-row">
        <legend>Outcome</legend>
        {[
          ["suspected_ipr_infringement", "Suspected IPR infringement"],
          ["no_irregularity", "No irregularity"],
          ["other", "Other irregularity"],
        ].map(([value, label]) => (
          <label key={value}>
            <input type="radio" name="outcome" value={value} checked={outcome === value} onChange={() => setOutcome(value)} /> {label}
          </label>
        ))}
      </fieldset>
      <Field label="Notes" path="notes" errors={failure?.errors ?? []}>
        {(props) => <textarea {...props} rows={3} value={notes} onChange={(event) => setNotes(event.target.value)} />}
      </Field>
      {failure && failure.errors.length === 0 && <ErrorBox error={failure} />}
      <button type="submit" className="button primary" disabled={busy}>
        Record finding
      </button>
    </form>
  );
}

export function SelectionView({ id }: { id: string }) {
  const me = useMe();
  const loaded = useLoad((signal) => api.get<Selection>(`/selections/${id}`, undefined, signal), [id]);
  const [message, setMessage] = useState<string>();
  return (
    <Show loaded={loaded}>
      {(selection) => (
        <section>
          <PageHeader title={`Declaration ${selection.declaration_id}`} subtitle={<>Selection <code>{selection.id}</code> · {selection.office} · screened {formatDateTime(selection.created_at)}</>}>
            <Badge value={selection.channel} />
            {selection.finding?.outcome === "suspected_ipr_infringement" && can(me, "open_case") && (
              <Link to={`/cases/new?selection=${selection.id}`} className="button primary">
                Open a case
              </Link>
            )}
          </PageHeader>
          {message && <Notice tone="ok">{message}</Notice>}
          <div className="grid-2">
            <div className="card">
              <h2>Why it was selected</h2>
              <p>
                Score <strong>{selection.score.toFixed(4)}</strong> (channel {selection.channel}): each hit is an independent signal, combined as 1 − Π(1 − weight).
              </p>
              <Reasons hits={selection.hits} />
            </div>
            <div className="card" data-testid="finding">
              <h2>Finding</h2>
              {selection.finding ? (
                <>
                  <p>
                    <Badge value={selection.finding.outcome} tone={selection.finding.outcome === "suspected_ipr_infringement" ? "bad" : "ok"} />
                  </p>
                  {selection.finding.notes && <p>{selection.finding.notes}</p>}
                  {selection.finding.outcome === "suspected_ipr_infringement" &&
                    (can(me, "open_case") ? (
                      <p>
                        <Link to={`/cases/new?selection=${selection.id}`}>Open a detention case from this finding →</Link>
                      </p>
                    ) : (
                      <p className="muted">An IPR officer of your administration opens the detention case from this finding.</p>
                    ))}
                </>
              ) : can(me, "record_finding") ? (
                <p className="muted">Not inspected yet.</p>
              ) : (
                <p className="muted">Not inspected yet; frontline and IPR officers record findings.</p>
              )}
            </div>
          </div>
          {!selection.finding && can(me, "record_finding") && (
            <FindingForm
              selection={selection}
              onDone={() => {
                setMessage("Finding recorded.");
                loaded.reload();
              }}
            />
          )}
          <p className="muted small">Status: {humanize(selection.status)} · run {selection.run_id}</p>
        </section>
      )}
    </Show>
  );
}
