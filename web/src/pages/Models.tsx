// Targeting models (docs/targeting.md): upload a file made by `cordon train`,
// read its figures, activate it or roll back.
import { useState } from "react";
import { api } from "../api";
import { Badge, Empty, ErrorBox, formatDateTime, Notice, PageHeader, Show, useLoad } from "../ui";

interface Model {
  id: string;
  version: number;
  sha256: string;
  size: number;
  description: string;
  created_at: string;
  active: boolean;
  metrics: Record<string, unknown>;
}

interface Models {
  items: Model[];
  active_model_id: string | null;
  activations: { seq: number; action: string; model_id: string; previous_model_id: string | null; at: string }[];
}

function Metrics({ metrics }: { metrics: Record<string, unknown> }) {
  const valid = (metrics.valid ?? null) as Record<string, unknown> | null;
  const shown: [string, unknown][] = [
    ["train rows", metrics.train_rows],
    ["positives", metrics.train_positives],
    ["trees", metrics.trees],
    ["features", metrics.features],
  ];
  if (valid) for (const [key, value] of Object.entries(valid)) if (typeof value !== "object") shown.push([`valid ${key}`, value]);
  return (
    <dl className="facts inline">
      {shown
        .filter(([, value]) => value !== undefined && value !== null)
        .map(([key, value]) => (
          <div className="fact" key={key}>
            <dt>{key}</dt>
            <dd>{typeof value === "number" && !Number.isInteger(value) ? value.toFixed(3) : String(value)}</dd>
          </div>
        ))}
    </dl>
  );
}

export function Models() {
  const loaded = useLoad((signal) => api.get<Models>("/models", undefined, signal), []);
  const [message, setMessage] = useState<string>();
  const [failure, setFailure] = useState<Error>();
  const [description, setDescription] = useState("");
  const run = async (action: () => Promise<unknown>, done: string) => {
    setFailure(undefined);
    try {
      await action();
      setMessage(done);
      loaded.reload();
    } catch (error) {
      setFailure(error as Error);
    }
  };
  return (
    <section>
      <PageHeader title="Targeting models" subtitle="Learned from past inspection outcomes; the active model adds a model hit to every screening." />
      {message && <Notice tone="ok">{message}</Notice>}
      {failure && <ErrorBox error={failure} />}
      <div className="card">
        <h2>Upload a model</h2>
        <div className="row">
          <div className="field">
            <label htmlFor="model-description">Description</label>
            <input id="model-description" value={description} onChange={(event) => setDescription(event.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="model-file">Model file (from cordon train --out)</label>
            <input
              id="model-file"
              type="file"
              onChange={(event) => {
                const file = event.target.files?.[0];
                event.target.value = "";
                if (file) void run(() => api.upload("/models", file, "application/octet-stream", { description }), `Uploaded ${file.name}; it is inactive until activated.`);
              }}
            />
          </div>
        </div>
      </div>
      <Show loaded={loaded}>
        {(data) => (
          <>
            <div className="page-actions">
              <button type="button" className="button secondary" disabled={data.activations.length === 0} onClick={() => void run(() => api.post("/models/rollback"), "Rolled back to the previous model.")}>
                Roll back to the previous model
              </button>
            </div>
            {data.items.length === 0 ? (
              <Empty>No models uploaded. Screening runs on rules, profiles and the watchlist alone.</Empty>
            ) : (
              <div className="cards">
                {data.items.map((model) => (
                  <article className="card" key={model.id}>
                    <h2>
                      {model.description || model.id} {model.active ? <Badge value="active" tone="ok" /> : <Badge value="inactive" />}
                    </h2>
                    <p className="muted small">
                      <code>{model.id}</code> v{model.version} · {(model.size / 1024).toFixed(0)} KiB · uploaded {formatDateTime(model.created_at)}
                    </p>
                    <Metrics metrics={model.metrics} />
                    {!model.active && (
                      <button type="button" className="button primary" onClick={() => void run(() => api.post(`/models/${model.id}/activate`), `Activated ${model.id}.`)}>
                        Activate
                      </button>
                    )}
                  </article>
                ))}
              </div>
            )}
            <h2>Activation history</h2>
            {data.activations.length === 0 ? (
              <Empty>No activations yet.</Empty>
            ) : (
              <ul className="plain">
                {data.activations.map((entry) => (
                  <li key={entry.seq}>
                    {formatDateTime(entry.at)} · {entry.action} {entry.model_id}
                    {entry.previous_model_id ? ` (was ${entry.previous_model_id})` : ""}
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </Show>
    </section>
  );
}
