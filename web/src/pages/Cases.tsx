// Detention cases: the list (by next deadline or by opening), one case with
// its deadline countdown, the actions the procedure allows now, destruction,
// evidence and the audit trail, and the form that opens a case (from a
// selection's finding).
import { useState, type FormEvent } from "react";
import { api, ApiError, type FieldError, type Page } from "../api";
import { can, useMe } from "../auth";
import { Link, navigate, useLocation } from "../router";
import type { AllowedAction, Application, Case, Selection } from "../types";
import { Badge, Countdown, Empty, ErrorBox, Field, formatDate, formatDateTime, humanize, Notice, PagedTable, PageHeader, Show, todayIso, useLoad } from "../ui";
import { COUNTRIES } from "../validation";
import { ReferralForm } from "./Exchange";

const STATES = [
  "notified",
  "awaiting_application",
  "holder_confirmed",
  "declarant_agreed",
  "declarant_opposed",
  "destruction_agreed",
  "deemed_agreement",
  "court_proceedings",
  "destroyed",
  "released",
  "handed_over",
];

export function CasesList() {
  const me = useMe();
  const location = useLocation();
  const state = location.query.get("state") ?? "";
  const office = location.query.get("office") ?? "";
  const setFilter = (name: string, value: string) => {
    const query = new URLSearchParams(location.query);
    if (value) query.set(name, value);
    else query.delete(name);
    navigate(`/cases${query.toString() ? `?${query}` : ""}`, true);
  };
  return (
    <section>
      <PageHeader title="Detention cases" subtitle="Goods suspended on suspicion of infringement, run by the rule set of the administration's jurisdiction.">
        {can(me, "open_case") && (
          <Link to="/cases/new" className="button primary">
            Open a case
          </Link>
        )}
      </PageHeader>
      <div className="filters">
        <label>
          State{" "}
          <select value={state} onChange={(event) => setFilter("state", event.target.value)}>
            <option value="">any</option>
            {STATES.map((value) => (
              <option key={value} value={value}>
                {humanize(value)}
              </option>
            ))}
          </select>
        </label>
        {(me.organisation.offices ?? []).length > 0 && (
          <label>
            Office{" "}
            <select value={office} onChange={(event) => setFilter("office", event.target.value)}>
              <option value="">all</option>
              {(me.organisation.offices ?? []).map((value) => (
                <option key={value}>{value}</option>
              ))}
            </select>
          </label>
        )}
      </div>
      <PagedTable<Case>
        caption="Cases"
        testId="cases-table"
        deps={[state, office]}
        sortOptions={
          state
            ? [{ value: "opened", label: "Oldest first" }]
            : [
                { value: "deadline", label: "Next deadline first (open cases)" },
                { value: "opened", label: "Oldest first (all cases)" },
              ]
        }
        fetchPage={({ cursor, limit, sort, signal }) =>
          sort === "deadline" && !state
            ? api.get<Page<Case>>("/cases/queue", { office, limit, cursor }, signal)
            : api.get<Page<Case>>("/cases", { state, office, limit, cursor }, signal)
        }
        rowKey={(row) => row.id}
        empty="No cases match."
        columns={[
          { header: "Case", render: (row) => <Link to={`/cases/${row.id}`}>{row.goods[0]?.mark || row.goods[0]?.description || row.id}</Link> },
          { header: "Office", render: (row) => row.office },
          { header: "Procedure", render: (row) => humanize(row.procedure) + (row.small_consignment ? " · small" : "") + (row.perishable ? " · perishable" : "") },
          { header: "State", render: (row) => <Badge value={row.state} /> },
          {
            header: "Next deadline",
            render: (row) =>
              row.next_deadline ? (
                <>
                  {humanize(row.next_deadline.name)} {formatDate(row.next_deadline.due)} <Countdown due={row.next_deadline.due} live={false} />
                </>
              ) : (
                <span className="muted">—</span>
              ),
          },
          { header: "Suspended", render: (row) => formatDate(row.suspended_on) },
        ]}
      />
    </section>
  );
}

interface FieldSpec {
  name: string;
  label: string;
  type?: "text" | "date" | "number" | "textarea" | "select";
  required?: boolean;
  options?: string[];
  initial?: string;
}

// The fields each act takes (docs/cases.md, "Acting").
const ACTION_FIELDS: Record<string, FieldSpec[]> = {
  destroy: [
    { name: "date", label: "Date of destruction", type: "date", required: true, initial: todayIso() },
    { name: "place", label: "Place", required: true },
    { name: "method", label: "Method", required: true },
    { name: "environmental_handling", label: "Environmental handling", required: true },
    { name: "witness", label: "Witness (customs control)", required: true },
    { name: "quantity", label: "Quantity destroyed", type: "number", required: true },
    { name: "unit", label: "Unit" },
    { name: "cost_eur", label: "Cost (EUR)", type: "number" },
  ],
  release: [{ name: "reason", label: "Reason", type: "textarea", required: true }],
  hand_over: [
    { name: "authority", label: "Authority", required: true },
    { name: "reference", label: "Reference" },
  ],
  start_proceedings: [
    { name: "reference", label: "Court reference", required: true },
    { name: "court", label: "Court" },
    { name: "started_on", label: "Started on", type: "date" },
  ],
  request_samples: [
    { name: "quantity", label: "Quantity", type: "number" },
    { name: "purpose", label: "Purpose" },
  ],
  extend: [{ name: "reason", label: "The holder's justified request", type: "textarea", required: true }],
  accept_application: [{ name: "application_id", label: "Granted application (app_…)", required: true }],
  reject_application: [{ name: "reason", label: "Reason", type: "textarea" }],
  record_cost: [
    { name: "kind", label: "Kind", type: "select", options: ["storage", "destruction", "transport", "other"], required: true },
    { name: "amount_eur", label: "Amount (EUR)", type: "number", required: true },
    { name: "description", label: "Description" },
    { name: "incurred_on", label: "Incurred on", type: "date" },
  ],
};

const PARTY_TITLES: Record<string, string> = {
  customs: "Customs acts",
  declarant: "Record the declarant's answer",
  right_holder: "The right holder's acts",
};

function ActionForm({ caseId, action, onDone, onCancel }: { caseId: string; action: AllowedAction; onDone: (view: Case) => void; onCancel: () => void }) {
  const specs = ACTION_FIELDS[action.action] ?? [];
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(specs.map((spec) => [spec.name, spec.initial ?? (spec.options?.[0] ?? "")])));
  const [note, setNote] = useState("");
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [failure, setFailure] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const missing = specs.filter((spec) => spec.required && !values[spec.name]?.trim()).map((spec) => ({ field: spec.name, message: "is required" }));
    setErrors(missing);
    setFailure(undefined);
    if (missing.length) return;
    const body: Record<string, unknown> = { action: action.action, party: action.party };
    for (const spec of specs) {
      const value = values[spec.name]?.trim();
      if (!value) continue;
      body[spec.name] = spec.type === "number" ? Number(value) : value;
    }
    if (note.trim()) body.note = note.trim();
    setBusy(true);
    try {
      onDone(await api.post<Case>(`/cases/${caseId}/actions`, body));
    } catch (reason) {
      const problem = reason as ApiError;
      setErrors(problem.errors ?? []);
      setFailure(problem);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card action-form" onSubmit={submit} aria-label={humanize(action.action)}>
      <h3>
        {humanize(action.action)} <span className="muted">→ {humanize(action.to)}</span>
      </h3>
      <p className="muted small">{action.reference}</p>
      <div className="row">
        {specs.map((spec) => (
          <Field key={spec.name} label={spec.label} path={spec.name} errors={errors} required={spec.required}>
            {(props) =>
              spec.type === "textarea" ? (
                <textarea {...props} rows={2} value={values[spec.name]} onChange={(event) => setValues({ ...values, [spec.name]: event.target.value })} />
              ) : spec.type === "select" ? (
                <select {...props} value={values[spec.name]} onChange={(event) => setValues({ ...values, [spec.name]: event.target.value })}>
                  {spec.options!.map((option) => (
                    <option key={option}>{option}</option>
                  ))}
                </select>
              ) : (
                <input
                  {...props}
                  type={spec.type ?? "text"}
                  step={spec.type === "number" ? "any" : undefined}
                  value={values[spec.name]}
                  onChange={(event) => setValues({ ...values, [spec.name]: event.target.value })}
                />
              )
            }
          </Field>
        ))}
        <Field label="Note" path="note" errors={errors}>
          {(props) => <input {...props} value={note} onChange={(event) => setNote(event.target.value)} />}
        </Field>
      </div>
      {failure && errors.length === 0 && <ErrorBox error={failure} />}
      <div className="form-actions">
        <button type="button" className="button secondary" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button primary" disabled={busy}>
          Record: {humanize(action.action)}
        </button>
      </div>
    </form>
  );
}

function Evidence({ view, onAdded }: { view: Case; onAdded: () => void }) {
  const [failure, setFailure] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const [description, setDescription] = useState("");
  const upload = async (file: File) => {
    setBusy(true);
    setFailure(undefined);
    try {
      await api.upload(`/cases/${view.id}/evidence`, file, file.type || "application/octet-stream", { filename: file.name, description });
      setDescription("");
      onAdded();
    } catch (error) {
      setFailure(error as Error);
    } finally {
      setBusy(false);
    }
  };
  const download = async (evidenceId: string, filename: string) => {
    const response = await fetch(`/api/v1/cases/${view.id}/evidence/${evidenceId}`, {
      headers: { Authorization: `Bearer ${sessionStorage.getItem("cordon.token")}` },
    });
    const blob = await response.blob();
    const url = URL.createObjectURL(blob);
    const anchor = document.createElement("a");
    anchor.href = url;
    anchor.download = filename;
    anchor.click();
    URL.revokeObjectURL(url);
  };
  return (
    <section className="card" aria-labelledby="evidence-title">
      <h2 id="evidence-title">Evidence</h2>
      {(view.evidence ?? []).length === 0 ? (
        <p className="muted">No photos or documents yet.</p>
      ) : (
        <ul className="plain">
          {view.evidence!.map((item) => (
            <li key={item.id}>
              <button type="button" className="button link" onClick={() => void download(item.id, item.filename)}>
                {item.filename}
              </button>{" "}
              <span className="muted">
                {item.media_type} · {(item.size / 1024).toFixed(1)} KiB · {formatDateTime(item.created_at)} · SHA-256 <code title={item.sha256}>{item.sha256.slice(0, 12)}…</code>
              </span>
              {item.description && <div>{item.description}</div>}
            </li>
          ))}
        </ul>
      )}
      <div className="row">
        <div className="field">
          <label htmlFor="evidence-description">Description</label>
          <input id="evidence-description" value={description} onChange={(event) => setDescription(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="evidence-file">Add a photo or PDF (JPEG, PNG, WebP, TIFF, PDF; ≤ 10 MiB)</label>
          <input
            id="evidence-file"
            type="file"
            accept="image/jpeg,image/png,image/webp,image/tiff,application/pdf"
            disabled={busy}
            onChange={(event) => {
              const file = event.target.files?.[0];
              if (file) void upload(file);
              event.target.value = "";
            }}
          />
        </div>
      </div>
      {failure && <ErrorBox error={failure} />}
    </section>
  );
}

// The facts of a history event that a reader needs at a glance; the whole
// record (deadlines, notice ids, hashes) one click away.
const BULKY = new Set(["deadlines", "notices", "goods", "parties_sha256", "declarant", "holder_of_goods"]);
function EventDetail({ detail }: { detail: Record<string, unknown> | null }) {
  if (!detail || Object.keys(detail).length === 0) return null;
  const facts = Object.entries(detail).filter(([key, value]) => !BULKY.has(key) && value !== null && typeof value !== "object");
  return (
    <>
      {facts.length > 0 && (
        <ul className="event-facts">
          {facts.map(([key, value]) => (
            <li key={key}>
              <span className="muted">{humanize(key)}:</span> {String(value)}
            </li>
          ))}
        </ul>
      )}
      <details>
        <summary className="small">full record</summary>
        <code>{JSON.stringify(detail)}</code>
      </details>
    </>
  );
}

function Facts({ title, value }: { title: string; value: Record<string, unknown> | null }) {
  if (!value) return null;
  return (
    <div className="card">
      <h2>{title}</h2>
      <dl className="facts">
        {Object.entries(value).map(([key, item]) => (
          <div key={key} className="fact">
            <dt>{humanize(key)}</dt>
            <dd>{typeof item === "object" ? JSON.stringify(item) : String(item)}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

export function CaseView({ id }: { id: string }) {
  const me = useMe();
  const loaded = useLoad((signal) => api.get<Case>(`/cases/${id}`, undefined, signal), [id]);
  const [acting, setActing] = useState<AllowedAction>();
  const [message, setMessage] = useState<string>();
  return (
    <Show loaded={loaded}>
      {(view) => {
        const groups = new Map<string, AllowedAction[]>();
        for (const action of view.allowed_actions) {
          if (action.action === "record_cost" && view.allowed_actions.length > 1 && !view.open) continue;
          groups.set(action.party, [...(groups.get(action.party) ?? []), action]);
        }
        return (
          <section>
            <PageHeader
              title={`Case ${view.goods[0]?.mark ? `· ${view.goods[0].mark}` : view.id}`}
              subtitle={
                <>
                  <code>{view.id}</code> · {view.office} · {humanize(view.procedure)}
                  {view.small_consignment ? " · small consignment" : ""}
                  {view.perishable ? " · perishable" : ""}
                </>
              }
            >
              <Badge value={view.state} />
            </PageHeader>
            {message && <Notice tone="ok">{message}</Notice>}
            <div className="grid-2">
              <div className="card" data-testid="case-state">
                <h2>State</h2>
                <p>
                  <strong data-testid="case-state-name">{humanize(view.state)}</strong> — {view.state_description}
                </p>
                {view.next_deadline ? (
                  <div className={`deadline${view.next_deadline.overdue ? " overdue" : ""}`} data-testid="case-deadline">
                    <div className="deadline-name">{humanize(view.next_deadline.name)}</div>
                    <div className="deadline-due">due {formatDate(view.next_deadline.due)}</div>
                    <Countdown due={view.next_deadline.due} />
                    <div className="muted small">then, if nothing happens: {humanize(view.next_deadline.on_expiry)}</div>
                  </div>
                ) : (
                  <p className="muted">No deadline is running.</p>
                )}
                <h3>All deadlines</h3>
                <dl className="facts">
                  {Object.entries(view.deadlines).map(([name, due]) => (
                    <div key={name} className="fact">
                      <dt>{humanize(name)}</dt>
                      <dd>{formatDate(due)}</dd>
                    </div>
                  ))}
                </dl>
              </div>
              <div className="card" data-testid="case-actions">
                <h2>What can be done now</h2>
                {groups.size === 0 && <p className="muted">Nothing: {view.open ? "no action is open to you in this state." : "the case is closed."}</p>}
                {[...groups.entries()].map(([party, actions]) => (
                  <div key={party} className="action-group">
                    <h3>{PARTY_TITLES[party] ?? humanize(party)}</h3>
                    <div className="button-row">
                      {actions.map((action) => (
                        <button
                          type="button"
                          key={`${action.party}-${action.action}`}
                          className={`button ${acting?.action === action.action && acting.party === action.party ? "primary" : "secondary"}`}
                          title={action.reference}
                          onClick={() => setActing(action)}
                        >
                          {humanize(action.action)}
                        </button>
                      ))}
                    </div>
                  </div>
                ))}
              </div>
            </div>
            {acting && (
              <ActionForm
                key={`${acting.party}-${acting.action}`}
                caseId={view.id}
                action={acting}
                onCancel={() => setActing(undefined)}
                onDone={(updated) => {
                  setActing(undefined);
                  setMessage(`Recorded: ${humanize(acting.action)}. The case is now ${humanize(updated.state)}.`);
                  loaded.reload();
                }}
              />
            )}
            <div className="card">
              <h2>Goods</h2>
              <table className="data compact">
                <thead>
                  <tr>
                    <th scope="col">Description</th>
                    <th scope="col">HS</th>
                    <th scope="col">Quantity</th>
                    <th scope="col">Category</th>
                    <th scope="col">Right</th>
                    <th scope="col">Value (EUR)</th>
                  </tr>
                </thead>
                <tbody>
                  {view.goods.map((goods, index) => (
                    <tr key={index}>
                      <td>{goods.description}</td>
                      <td>{goods.hs}</td>
                      <td>
                        {goods.quantity} {goods.unit}
                      </td>
                      <td>{humanize(goods.product_category)}</td>
                      <td>
                        {humanize(goods.ipr_type)} {goods.mark && <span className="muted">({goods.mark})</span>}
                      </td>
                      <td className="num">{goods.estimated_value_eur?.toLocaleString("en") ?? "—"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <dl className="facts inline">
                <div className="fact">
                  <dt>Declarant</dt>
                  <dd>{view.declarant ? `${view.declarant.name}, ${view.declarant.address ?? ""} ${view.declarant.country ?? ""}` : "not disclosed yet (Art. 17(4))"}</dd>
                </div>
                <div className="fact">
                  <dt>Holder of the goods</dt>
                  <dd>{view.holder_of_goods ? view.holder_of_goods.name : "—"}</dd>
                </div>
                <div className="fact">
                  <dt>Application</dt>
                  <dd>{view.application_id ? <Link to={`/applications/${view.application_id}`}>{view.application_id}</Link> : "ex officio"}</dd>
                </div>
                <div className="fact">
                  <dt>Suspended / notified</dt>
                  <dd>
                    {formatDate(view.suspended_on)} / {formatDate(view.notified_on)}
                  </dd>
                </div>
                <div className="fact">
                  <dt>Costs (borne by the holder, Art. 29)</dt>
                  <dd>{view.costs.total_eur.toLocaleString("en")} EUR</dd>
                </div>
              </dl>
            </div>
            <Facts title="Destruction" value={view.destruction} />
            <Facts title="Release" value={view.release} />
            <Facts title="Court proceedings" value={view.proceedings} />
            <Facts title="Handover" value={view.handover} />
            <Evidence view={view} onAdded={loaded.reload} />
            {can(me, "act_for_customs") && <ReferralForm caseId={view.id} />}
            <section className="card" aria-labelledby="trail-title" data-testid="case-trail">
              <h2 id="trail-title">Audit trail</h2>
              <p className="muted small">Every event below is also in the tamper-evident audit log (RFC 9162) as case.&lt;action&gt;.</p>
              <table className="data compact">
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">When</th>
                    <th scope="col">Party</th>
                    <th scope="col">Act</th>
                    <th scope="col">State</th>
                    <th scope="col">Detail</th>
                  </tr>
                </thead>
                <tbody>
                  {(view.history ?? []).map((event) => (
                    <tr key={event.seq}>
                      <td>{event.seq}</td>
                      <td className="nowrap">{formatDateTime(event.at)}</td>
                      <td>{humanize(event.party)}</td>
                      <td>{humanize(event.action)}</td>
                      <td>
                        {event.from ? humanize(event.from) : "—"} → {event.to ? humanize(event.to) : "—"}
                      </td>
                      <td className="detail">
                        <EventDetail detail={event.detail} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
            {(view.notices ?? []).length > 0 && (
              <section className="card">
                <h2>Notices</h2>
                <ul className="plain">
                  {view.notices!.map((notice) => (
                    <li key={notice.id}>
                      <details>
                        <summary>
                          {notice.subject} — to the {humanize(notice.recipient_role ?? "")}
                          {notice.due_by ? ` · due ${formatDate(notice.due_by)}` : ""} · {formatDateTime(notice.created_at)}
                          {notice.deliveries && notice.deliveries.length > 0 ? ` · ${notice.deliveries.length} deliver${notice.deliveries.length === 1 ? "y" : "ies"}` : ""}
                        </summary>
                        <pre className="notice-body">{notice.body}</pre>
                      </details>
                    </li>
                  ))}
                </ul>
              </section>
            )}
          </section>
        );
      }}
    </Show>
  );
}

const CATEGORIES = [
  "clothing",
  "shoes",
  "bags_and_personal_accessories",
  "watches",
  "jewellery",
  "mobile_phones_and_accessories",
  "electronics",
  "toys",
  "games",
  "sports_goods",
  "medicines",
  "body_care",
  "foodstuffs",
  "tobacco",
  "alcoholic_drinks",
  "packaging_material",
  "labels_and_tags",
  "other",
];

interface GoodsLine {
  description: string;
  hs: string;
  quantity: string;
  unit: string;
  product_category: string;
  ipr_type: string;
  mark: string;
  estimated_value_eur: string;
}

export function CaseOpen({ selectionId }: { selectionId?: string }) {
  const me = useMe();
  const selection = useLoad(
    (signal) => (selectionId ? api.get<Selection>(`/selections/${selectionId}`, undefined, signal) : Promise.resolve(null)),
    [selectionId],
  );
  if (!can(me, "open_case")) return <Empty>Only an IPR officer of a customs administration opens cases.</Empty>;
  return (
    <section>
      <PageHeader title="Open a detention case" subtitle="Suspending the release of goods notifies the declarant and the holder of the decision (Regulation (EU) No 608/2013 Art. 17)." />
      <Show loaded={selection}>{(found) => <CaseOpenForm selection={found} />}</Show>
    </section>
  );
}

const TRANSPORT_MODES = ["sea", "air", "road", "rail", "postal", "express", "passenger"];

function CaseOpenForm({ selection }: { selection: Selection | null }) {
  const me = useMe();
  const markHit = selection?.hits.find((hit) => hit.kind === "mark");
  const granted = useLoad((signal) => api.get<Page<Application>>("/applications", { status: "granted", limit: 200 }, signal), []);
  const [procedure, setProcedure] = useState(markHit?.application ? "application" : "application");
  const [applicationId, setApplicationId] = useState(markHit?.application ?? "");
  const [office, setOffice] = useState(selection?.office ?? me.organisation.offices?.[0] ?? "");
  const [declarationId, setDeclarationId] = useState(selection?.declaration_id ?? "");
  const [declarant, setDeclarant] = useState({ name: "", address: "", country: me.organisation.country });
  const [smallConsignment, setSmallConsignment] = useState(false);
  const [perishable, setPerishable] = useState(false);
  // Where the goods came from and went: optional, for the seizure statistics.
  const [shipment, setShipment] = useState({ transport_mode: "", origin: "", dispatch: "", destination: me.organisation.country ?? "", e_commerce: false });
  const [goods, setGoods] = useState<GoodsLine[]>([
    {
      description: markHit?.found ? `goods bearing ${markHit.found}` : "",
      hs: "",
      quantity: "",
      unit: "pieces",
      product_category: "other",
      ipr_type: "trademark",
      mark: markHit?.mark ?? "",
      estimated_value_eur: "",
    },
  ]);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [failure, setFailure] = useState<ApiError>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const missing: FieldError[] = [];
    if (!office) missing.push({ field: "office", message: "is required" });
    if (procedure === "application" && !applicationId) missing.push({ field: "application_id", message: "is required" });
    if (!declarant.name.trim()) missing.push({ field: "declarant.name", message: "is required" });
    if (!declarant.country) missing.push({ field: "declarant.country", message: "is required" });
    goods.forEach((line, index) => {
      if (!line.description.trim()) missing.push({ field: `goods[${index}].description`, message: "is required" });
      if (!/^\d{4,10}$/.test(line.hs)) missing.push({ field: `goods[${index}].hs`, message: "must be 4 to 10 digits" });
      if (!(Number(line.quantity) > 0)) missing.push({ field: `goods[${index}].quantity`, message: "must be greater than 0" });
    });
    setErrors(missing);
    setFailure(undefined);
    if (missing.length) return;
    const body: Record<string, unknown> = {
      office,
      procedure,
      perishable,
      small_consignment: smallConsignment,
      declarant: { name: declarant.name.trim(), address: declarant.address.trim(), country: declarant.country },
      goods: goods.map((line) => ({
        description: line.description.trim(),
        hs: line.hs,
        quantity: Number(line.quantity),
        unit: line.unit,
        product_category: line.product_category,
        ipr_type: line.ipr_type,
        ...(line.mark ? { mark: line.mark } : {}),
        ...(line.estimated_value_eur ? { estimated_value_eur: Number(line.estimated_value_eur) } : {}),
      })),
    };
    for (const key of ["transport_mode", "origin", "dispatch", "destination"] as const) if (shipment[key]) body[key] = shipment[key];
    if (shipment.e_commerce) body.e_commerce = true;
    if (procedure === "application") body.application_id = applicationId;
    if (declarationId) body.declaration_id = declarationId;
    if (selection) body.selection_id = selection.id;
    setBusy(true);
    try {
      const created = await api.post<Case>("/cases", body);
      navigate(`/cases/${created.id}`);
    } catch (reason) {
      const problem = reason as ApiError;
      setErrors(problem.errors ?? []);
      setFailure(problem);
    } finally {
      setBusy(false);
    }
  };

  const setLine = (index: number, key: keyof GoodsLine, value: string) => setGoods(goods.map((line, at) => (at === index ? { ...line, [key]: value } : line)));

  return (
    <form className="app-form" onSubmit={submit} noValidate>
      {selection && (
        <Notice>
          From selection <Link to={`/selections/${selection.id}`}>{selection.declaration_id}</Link> ({selection.office}, score {selection.score.toFixed(2)}
          {selection.finding ? `, finding: ${humanize(selection.finding.outcome)}` : ""}).
        </Notice>
      )}
      {failure && errors.length === 0 && <ErrorBox error={failure} />}
      {failure && errors.length > 0 && <Notice tone="bad">{failure.message}</Notice>}
      <fieldset className="group">
        <legend>Procedure</legend>
        <div className="row">
          <Field label="Office" path="office" errors={errors} required>
            {(props) => (
              <select {...props} value={office} onChange={(event) => setOffice(event.target.value)}>
                {(me.organisation.offices ?? []).map((value) => (
                  <option key={value}>{value}</option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Procedure" path="procedure" errors={errors} required>
            {(props) => (
              <select {...props} value={procedure} onChange={(event) => setProcedure(event.target.value)}>
                <option value="application">on application (Art. 17)</option>
                <option value="ex_officio">ex officio (Art. 18)</option>
              </select>
            )}
          </Field>
          {procedure === "application" && (
            <Field label="Application (granted)" path="application_id" errors={errors} required>
              {(props) => (
                <select {...props} value={applicationId} onChange={(event) => setApplicationId(event.target.value)}>
                  <option value="">—</option>
                  {(granted.data?.items ?? []).map((app) => (
                    <option key={app.id} value={app.id}>
                      {app.holder.name} — {app.rights.flatMap((right) => right.marks ?? []).join(", ")} ({app.id})
                    </option>
                  ))}
                  {applicationId && !(granted.data?.items ?? []).some((app) => app.id === applicationId) && <option value={applicationId}>{applicationId}</option>}
                </select>
              )}
            </Field>
          )}
          <Field label="Declaration" path="declaration_id" errors={errors}>
            {(props) => <input {...props} value={declarationId} onChange={(event) => setDeclarationId(event.target.value)} />}
          </Field>
        </div>
        <div className="row">
          <label className="checkbox">
            <input type="checkbox" checked={smallConsignment} onChange={(event) => setSmallConsignment(event.target.checked)} /> Small consignment (Art. 26)
          </label>
          <label className="checkbox">
            <input type="checkbox" checked={perishable} onChange={(event) => setPerishable(event.target.checked)} /> Perishable goods
          </label>
        </div>
        {errors.some((error) => error.field === "perishable" || error.field === "small_consignment") && (
          <div className="field-error">{errors.filter((error) => error.field === "perishable" || error.field === "small_consignment").map((error) => `${error.field}: ${error.message}`).join("; ")}</div>
        )}
      </fieldset>
      <fieldset className="group">
        <legend>Shipment</legend>
        <div className="row">
          <Field label="Transport mode" path="transport_mode" errors={errors}>
            {(props) => (
              <select {...props} value={shipment.transport_mode} onChange={(event) => setShipment({ ...shipment, transport_mode: event.target.value })}>
                <option value="">not known</option>
                {TRANSPORT_MODES.map((mode) => (
                  <option key={mode}>{mode}</option>
                ))}
              </select>
            )}
          </Field>
          {(
            [
              ["origin", "Origin"],
              ["dispatch", "Dispatched from"],
              ["destination", "Destination"],
            ] as const
          ).map(([key, text]) => (
            <Field key={key} label={text} path={key} errors={errors}>
              {(props) => (
                <select {...props} value={shipment[key]} onChange={(event) => setShipment({ ...shipment, [key]: event.target.value })}>
                  <option value="">not known</option>
                  {COUNTRIES.map((code) => (
                    <option key={code}>{code}</option>
                  ))}
                </select>
              )}
            </Field>
          ))}
          <label className="checkbox">
            <input type="checkbox" checked={shipment.e_commerce} onChange={(event) => setShipment({ ...shipment, e_commerce: event.target.checked })} /> E-commerce
          </label>
        </div>
      </fieldset>
      <fieldset className="group">
        <legend>Declarant</legend>
        <div className="row">
          <Field label="Name" path="declarant.name" errors={errors} required>
            {(props) => <input {...props} value={declarant.name} onChange={(event) => setDeclarant({ ...declarant, name: event.target.value })} />}
          </Field>
          <Field label="Address" path="declarant.address" errors={errors}>
            {(props) => <input {...props} value={declarant.address} onChange={(event) => setDeclarant({ ...declarant, address: event.target.value })} />}
          </Field>
          <Field label="Country" path="declarant.country" errors={errors} required>
            {(props) => (
              <select {...props} value={declarant.country} onChange={(event) => setDeclarant({ ...declarant, country: event.target.value })}>
                {COUNTRIES.map((code) => (
                  <option key={code}>{code}</option>
                ))}
              </select>
            )}
          </Field>
        </div>
      </fieldset>
      <fieldset className="group">
        <legend>Goods detained</legend>
        {goods.map((line, index) => (
          <div className="row" key={index}>
            <Field label="Description" path={`goods[${index}].description`} errors={errors} required>
              {(props) => <input {...props} value={line.description} onChange={(event) => setLine(index, "description", event.target.value)} />}
            </Field>
            <Field label="HS code" path={`goods[${index}].hs`} errors={errors} required hint="4–10 digits">
              {(props) => <input {...props} inputMode="numeric" value={line.hs} onChange={(event) => setLine(index, "hs", event.target.value)} />}
            </Field>
            <Field label="Quantity" path={`goods[${index}].quantity`} errors={errors} required>
              {(props) => <input {...props} type="number" min="0" step="any" value={line.quantity} onChange={(event) => setLine(index, "quantity", event.target.value)} />}
            </Field>
            <Field label="Unit" path={`goods[${index}].unit`} errors={errors}>
              {(props) => <input {...props} value={line.unit} onChange={(event) => setLine(index, "unit", event.target.value)} />}
            </Field>
            <Field label="Category" path={`goods[${index}].product_category`} errors={errors}>
              {(props) => (
                <select {...props} value={line.product_category} onChange={(event) => setLine(index, "product_category", event.target.value)}>
                  {CATEGORIES.map((value) => (
                    <option key={value} value={value}>
                      {humanize(value)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Right" path={`goods[${index}].ipr_type`} errors={errors}>
              {(props) => (
                <select {...props} value={line.ipr_type} onChange={(event) => setLine(index, "ipr_type", event.target.value)}>
                  {["trademark", "design", "copyright", "patent", "geographical_indication", "plant_variety", "utility_model", "topography", "trade_name"].map((value) => (
                    <option key={value} value={value}>
                      {humanize(value)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Mark" path={`goods[${index}].mark`} errors={errors}>
              {(props) => <input {...props} value={line.mark} onChange={(event) => setLine(index, "mark", event.target.value)} />}
            </Field>
            <Field label="Value (EUR)" path={`goods[${index}].estimated_value_eur`} errors={errors}>
              {(props) => <input {...props} type="number" min="0" step="any" value={line.estimated_value_eur} onChange={(event) => setLine(index, "estimated_value_eur", event.target.value)} />}
            </Field>
            {goods.length > 1 && (
              <button type="button" className="button link" onClick={() => setGoods(goods.filter((_, at) => at !== index))}>
                Remove
              </button>
            )}
          </div>
        ))}
        <button type="button" className="button secondary" onClick={() => setGoods([...goods, { ...goods[0], description: "", hs: "", quantity: "", estimated_value_eur: "" }])}>
          Add a goods line
        </button>
      </fieldset>
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? "Opening…" : "Suspend release and open the case"}
        </button>
      </div>
    </form>
  );
}
