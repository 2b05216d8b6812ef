// The tamper-evident audit log (docs/audit.md): the signed checkpoint and the
// latest entries, a page at a time from the head backwards.
import { useState } from "react";
import { api } from "../api";
import { Empty, formatDateTime, PageHeader, Show, useLoad } from "../ui";

interface Checkpoint {
  tree_size: number;
  root_hash: string;
  signed_note: string;
  verifier_key: string;
}

interface Entry {
  index: number;
  leaf_hash: string;
  withheld: boolean;
  entry?: { action: string; at: string; org_id: string; user_id: string; object_id: string; object_type: string; detail?: unknown; detail_text?: string };
}

const PAGE = 50;

export function Audit() {
  const checkpoint = useLoad((signal) => api.get<Checkpoint>("/audit/checkpoint", undefined, signal), []);
  const [end, setEnd] = useState<number>();
  return (
    <section>
      <PageHeader title="Audit log" subtitle="Every state change that matters in law, appended to a Merkle tree (RFC 9162) with signed checkpoints anyone can verify." />
      <Show loaded={checkpoint}>
        {(head) => {
          const last = end ?? head.tree_size - 1;
          const start = Math.max(0, last - PAGE + 1);
          return (
            <>
              <div className="card">
                <h2>Checkpoint</h2>
                <dl className="facts inline">
                  <div className="fact">
                    <dt>Entries</dt>
                    <dd>{head.tree_size.toLocaleString("en")}</dd>
                  </div>
                  <div className="fact">
                    <dt>Root hash</dt>
                    <dd>
                      <code>{head.root_hash}</code>
                    </dd>
                  </div>
                  <div className="fact">
                    <dt>Verifier key</dt>
                    <dd>
                      <code className="break">{head.verifier_key}</code>
                    </dd>
                  </div>
                </dl>
              </div>
              {head.tree_size === 0 ? <Empty>The log is empty.</Empty> : <Entries start={start} end={last} />}
              <nav className="pager" aria-label="Audit pages">
                <button type="button" className="button secondary" disabled={last >= head.tree_size - 1} onClick={() => setEnd(Math.min(head.tree_size - 1, last + PAGE))}>
                  ← Newer
                </button>
                <span>
                  Entries {start}–{last}
                </span>
                <button type="button" className="button secondary" disabled={start === 0} onClick={() => setEnd(start - 1)}>
                  Older →
                </button>
              </nav>
            </>
          );
        }}
      </Show>
    </section>
  );
}

function Entries({ start, end }: { start: number; end: number }) {
  const loaded = useLoad((signal) => api.get<{ entries: Entry[] }>("/audit/entries", { start, end }, signal), [start, end]);
  return (
    <Show loaded={loaded}>
      {(data) => {
        const entries = [...data.entries].reverse();
        return (
          <div className="table-scroll">
            <table className="data compact">
              <caption className="visually-hidden">Audit entries</caption>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">When</th>
                  <th scope="col">Event</th>
                  <th scope="col">Object</th>
                  <th scope="col">Detail</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((entry) => {
                  const event = entry.withheld ? null : entry.entry;
                  return (
                    <tr key={entry.index}>
                      <td>{entry.index}</td>
                      <td>{formatDateTime(event?.at)}</td>
                      <td>{event ? event.action : <span className="muted">another organisation's entry (leaf hash only)</span>}</td>
                      <td>{event ? <code>{event.object_type}/{event.object_id}</code> : <code className="muted">{entry.leaf_hash.slice(0, 16)}…</code>}</td>
                      <td className="detail">{event ? <code>{event.detail ? JSON.stringify(event.detail) : event.detail_text}</code> : null}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        );
      }}
    </Show>
  );
}
