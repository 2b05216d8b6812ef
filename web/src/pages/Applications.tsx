// Applications for action: the list, one application with what the caller
// may do with it (submit, renew; decide, suspend, reinstate, revoke), and the
// form with which a right holder files or edits a draft.
import { useState, type FormEvent } from "react";
import { api, ApiError, errorsFor, type FieldError, type Page } from "../api";
import { can, useMe } from "../auth";
import { ApplicationPhotos } from "./ApplicationPhotos";
import { Link, navigate, useLocation } from "../router";
import type { Application, Organisation } from "../types";
import {
  Badge,
  Empty,
  ErrorBox,
  Field,
  formatDate,
  formatDateTime,
  humanize,
  Loading,
  Notice,
  PagedTable,
  PageHeader,
  Show,
  splitList,
  todayIso,
  useLoad,
} from "../ui";
import { COUNTRIES, latestGrantDate, RIGHT_TYPES, validateApplication, type ApplicationBody } from "../validation";

const STATUSES = ["draft", "submitted", "granted", "expired", "rejected", "suspended", "revoked"];

export function ApplicationsList() {
  const me = useMe();
  const location = useLocation();
  const status = location.query.get("status") ?? "";
  return (
    <section>
      <PageHeader title="Applications for action" subtitle="Right holders' requests that customs watch for infringing goods (Regulation (EU) No 608/2013 Art. 5–12).">
        {can(me, "file_application") && (
          <Link to="/applications/new" className="button primary">
            File an application
          </Link>
        )}
      </PageHeader>
      <div className="filters">
        <label>
          Status{" "}
          <select value={status} onChange={(event) => navigate(event.target.value ? `/applications?status=${event.target.value}` : "/applications", true)}>
            <option value="">all</option>
            {STATUSES.map((value) => (
              <option key={value}>{value}</option>
            ))}
          </select>
        </label>
      </div>
      <PagedTable<Application>
        caption="Applications"
        testId="applications-table"
        deps={[status]}
        sortOptions={[
          { value: "newest", label: "Newest first" },
          { value: "oldest", label: "Oldest first" },
        ]}
        fetchPage={({ cursor, limit, sort, signal }) => api.get<Page<Application>>("/applications", { status, order: sort, limit, cursor }, signal)}
        rowKey={(row) => row.id}
        empty={status ? `No ${status} applications.` : "No applications yet."}
        columns={[
          { header: "Holder", render: (row) => <Link to={`/applications/${row.id}`}>{row.holder.name}</Link> },
          { header: "Marks / rights", render: (row) => row.rights.flatMap((right) => right.marks ?? []).join(", ") || row.rights.map((right) => humanize(right.type)).join(", ") || "—" },
          { header: "Kind", render: (row) => (row.kind === "union" ? `union (${row.member_states.join(", ")})` : "national") },
          { header: "Status", render: (row) => <Badge value={row.status} /> },
          { header: "Filed", render: (row) => formatDate(row.created_at) },
          { header: "Submitted", render: (row) => formatDate(row.submitted_at) },
          { header: "Valid until", render: (row) => formatDate(row.valid_until) },
        ]}
      />
    </section>
  );
}

function Parties({ parties }: { parties: { name: string; country?: string; role?: string; address?: string }[] }) {
  if (parties.length === 0) return <span className="muted">none</span>;
  return (
    <ul className="plain">
      {parties.map((party, index) => (
        <li key={index}>
          {party.name}
          {party.role ? ` (${party.role})` : ""} {party.country ? `· ${party.country}` : ""}
          {party.address ? ` · ${party.address}` : ""}
        </li>
      ))}
    </ul>
  );
}

function Decision({ application, onDone }: { application: Application; onDone: () => void }) {
  const [decision, setDecision] = useState<"grant" | "reject">("grant");
  const [validUntil, setValidUntil] = useState(latestGrantDate(todayIso()));
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [failure, setFailure] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const renewal = application.renewal?.status === "pending" && application.status !== "submitted";
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setErrors([]);
    setFailure(undefined);
    try {
      const body = decision === "grant" ? { decision, valid_until: validUntil } : { decision, reason };
      await api.post(`/applications/${application.id}/${renewal ? "renewal/decision" : "decision"}`, body);
      onDone();
    } catch (reason) {
      const problem = reason as ApiError;
      if (problem.errors?.length) setErrors(problem.errors);
      else setFailure(problem);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="decision-title">
      <h2 id="decision-title">{renewal ? "Decide the renewal" : "Decide the application"}</h2>
      <fieldset className="radio-row">
        <legend>Decision</legend>
        <label>
          <input type="radio" name="decision" checked={decision === "grant"} onChange={() => setDecision("grant")} /> Grant
        </label>
        <label>
          <input type="radio" name="decision" checked={decision === "reject"} onChange={() => setDecision("reject")} /> Reject
        </label>
      </fieldset>
      {decision === "grant" ? (
        <Field label="Valid until" path="valid_until" errors={errors} hint="At most one year from the day after the decision (Art. 11(1)); for a renewal, the current period plus one year (Art. 12(3))." required>
          {(props) => <input type="date" {...props} value={validUntil} onChange={(event) => setValidUntil(event.target.value)} />}
        </Field>
      ) : (
        <Field label="Reason" path="reason" errors={errors} required>
          {(props) => <textarea {...props} rows={3} value={reason} onChange={(event) => setReason(event.target.value)} />}
        </Field>
      )}
      {errorsFor(errors, "decision").length > 0 && <div className="field-error">{errorsFor(errors, "decision").join("; ")}</div>}
      {failure && <ErrorBox error={failure} />}
      <button type="submit" className="button primary" disabled={busy}>
        {decision === "grant" ? "Grant" : "Reject"}
      </button>
    </form>
  );
}

function ReasonAction({ id, action, label, onDone, needsReason }: { id: string; action: string; label: string; onDone: () => void; needsReason: boolean }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const [failure, setFailure] = useState<ApiError>();
  const run = async () => {
    setFailure(undefined);
    try {
      await api.post(`/applications/${id}/${action}`, needsReason || reason ? { reason } : {});
      setOpen(false);
      onDone();
    } catch (error) {
      setFailure(error as ApiError);
    }
  };
  if (!open) {
    return (
      <button type="button" className="button secondary" onClick={() => (needsReason ? setOpen(true) : run())}>
        {label}
      </button>
    );
  }
  return (
    <div className="inline-form">
      <Field label={`Reason to ${label.toLowerCase()}`} path="reason" errors={failure?.errors ?? []} required={needsReason}>
        {(props) => <input {...props} value={reason} onChange={(event) => setReason(event.target.value)} />}
      </Field>
      <button type="button" className="button primary" onClick={run}>
        {label}
      </button>
      <button type="button" className="button secondary" onClick={() => setOpen(false)}>
        Cancel
      </button>
      {failure && failure.errors.length === 0 && <ErrorBox error={failure} />}
    </div>
  );
}

export function ApplicationView({ id }: { id: string }) {
  const me = useMe();
  const loaded = useLoad((signal) => api.get<Application>(`/applications/${id}`, undefined, signal), [id]);
  const [message, setMessage] = useState<string>();
  const [submitErrors, setSubmitErrors] = useState<ApiError>();
  const done = (text: string) => () => {
    setMessage(text);
    loaded.reload();
  };
  return (
    <Show loaded={loaded}>
      {(app) => {
        const holderSide = can(me, "file_application") && app.holder_org_id === me.organisation.id;
        const decides = can(me, "decide_application") && app.filed_with === me.organisation.id;
        const submit = async () => {
          setSubmitErrors(undefined);
          try {
            await api.post(`/applications/${app.id}/submit`);
            done("The application was submitted to the customs administration.")();
          } catch (error) {
            setSubmitErrors(error as ApiError);
          }
        };
        return (
          <section>
            <PageHeader title={app.holder.name} subtitle={<>Application <code>{app.id}</code> · {app.kind}{app.kind === "union" ? ` (${app.member_states.join(", ")})` : ""}</>}>
              <Badge value={app.status} />
              {holderSide && app.status === "draft" && (
                <>
                  <Link to={`/applications/${app.id}/edit`} className="button secondary">
                    Edit
                  </Link>
                  <button type="button" className="button primary" onClick={submit}>
                    Submit application
                  </button>
                </>
              )}
              {holderSide && app.status === "granted" && !app.renewal?.status?.includes("pending") && (
                <ReasonAction id={app.id} action="renewal" label="Request renewal" onDone={done("Renewal requested.")} needsReason={false} />
              )}
              {decides && app.status === "granted" && <ReasonAction id={app.id} action="suspend" label="Suspend" onDone={done("Suspended.")} needsReason />}
              {decides && app.status === "suspended" && <ReasonAction id={app.id} action="reinstate" label="Reinstate" onDone={done("Reinstated.")} needsReason={false} />}
              {decides && (app.status === "granted" || app.status === "suspended") && (
                <ReasonAction id={app.id} action="revoke" label="Revoke" onDone={done("Revoked.")} needsReason />
              )}
            </PageHeader>
            {message && <Notice tone="ok">{message}</Notice>}
            {submitErrors && (
              <Notice tone="bad">
                <strong>{submitErrors.message}</strong>
                {submitErrors.errors.length > 0 && (
                  <>
                    {" "}
                    <Link to={`/applications/${app.id}/edit`}>Edit the draft</Link> to fix:
                    <ul>
                      {submitErrors.errors.map((item) => (
                        <li key={item.field}>
                          <code>{item.field}</code> {item.message}
                        </li>
                      ))}
                    </ul>
                  </>
                )}
              </Notice>
            )}
            {decides && (app.status === "submitted" || (app.renewal?.status === "pending" && app.status !== "draft")) && (
              <Decision application={app} onDone={done(app.status === "submitted" ? "Decision recorded." : "Renewal decided.")} />
            )}
            <div className="grid-2">
              <dl className="facts card">
                <dt>Status</dt>
                <dd>
                  <Badge value={app.status} />
                  {app.decision_reason && <div className="muted">{app.decision_reason}</div>}
                </dd>
                <dt>Valid until</dt>
                <dd>{formatDate(app.valid_until)}</dd>
                <dt>Renewal</dt>
                <dd>{app.renewal ? `${app.renewal.status} (requested ${formatDate(app.renewal.requested_at)})` : "—"}</dd>
                <dt>Submitted</dt>
                <dd>{formatDateTime(app.submitted_at)}</dd>
                <dt>Decided</dt>
                <dd>{formatDateTime(app.decided_at)}</dd>
                <dt>Holder</dt>
                <dd>
                  {app.holder.name}
                  <div className="muted">
                    {app.holder.address} {app.holder.country}
                  </div>
                </dd>
                <dt>Contacts</dt>
                <dd>
                  {app.contacts.map((contact, index) => (
                    <div key={index}>
                      {contact.name} {contact.email} {contact.phone}
                    </div>
                  ))}
                </dd>
                <dt>Small consignments</dt>
                <dd>{app.small_consignments ? "yes (Art. 26)" : "no"}</dd>
                <dt>Liability and costs</dt>
                <dd>{app.accepts_liability_and_costs ? "accepted (Art. 6(3)(q), 29)" : "not accepted"}</dd>
              </dl>
              <div className="card">
                <h2>Rights</h2>
                <table className="data compact">
                  <thead>
                    <tr>
                      <th scope="col">Type</th>
                      <th scope="col">Registration</th>
                      <th scope="col">Marks</th>
                      <th scope="col">Nice</th>
                      <th scope="col">Expires</th>
                    </tr>
                  </thead>
                  <tbody>
                    {app.rights.map((right, index) => (
                      <tr key={index}>
                        <td>{humanize(right.type)}</td>
                        <td>
                          {right.registration} {right.office && <span className="muted">({right.office})</span>}
                        </td>
                        <td>{(right.marks ?? []).join(", ")}</td>
                        <td>{(right.nice_classes ?? []).join(", ")}</td>
                        <td>{formatDate(right.expires_on)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <h2>Goods</h2>
                <ul className="plain">
                  {app.goods.map((goods, index) => (
                    <li key={index}>
                      {goods.description} <span className="muted">HS {goods.hs.join(", ") || "—"}</span>
                    </li>
                  ))}
                </ul>
                <h2>Authentic features</h2>
                <p>{app.authentic_features || <span className="muted">none given</span>}</p>
                <h2>Authorised parties</h2>
                <Parties parties={app.authorised_parties} />
                <h2>Known infringers</h2>
                <Parties parties={app.known_infringers} />
              </div>
            </div>
            <ApplicationPhotos applicationId={app.id} editable={holderSide && (app.status === "draft" || app.status === "submitted")} />
          </section>
        );
      }}
    </Show>
  );
}

// ---- The form ---------------------------------------------------------------

interface PartyForm {
  name: string;
  address: string;
  country: string;
  role: string;
}
interface FormState {
  kind: "national" | "union";
  member_states: string;
  filed_with: string;
  holder: { name: string; address: string; country: string };
  contacts: { name: string; email: string; phone: string }[];
  rights: { type: string; registration: string; office: string; marks: string; nice_classes: string; expires_on: string }[];
  goods: { description: string; hs: string }[];
  authentic_features: string;
  product_codes: string;
  authorised_parties: PartyForm[];
  known_routes: string;
  known_infringers: PartyForm[];
  small_consignments: boolean;
  accepts_liability_and_costs: boolean;
}

const emptyRight = () => ({ type: "trademark", registration: "", office: "", marks: "", nice_classes: "", expires_on: "" });
const emptyParty = (): PartyForm => ({ name: "", address: "", country: "", role: "" });

function blankForm(): FormState {
  return {
    kind: "national",
    member_states: "",
    filed_with: "",
    holder: { name: "", address: "", country: "" },
    contacts: [{ name: "", email: "", phone: "" }],
    rights: [emptyRight()],
    goods: [{ description: "", hs: "" }],
    authentic_features: "",
    product_codes: "",
    authorised_parties: [],
    known_routes: "",
    known_infringers: [],
    small_consignments: false,
    accepts_liability_and_costs: false,
  };
}

function fromApplication(app: Application): FormState {
  const party = (value: { name: string; address?: string; country?: string; role?: string }): PartyForm => ({
    name: value.name,
    address: value.address ?? "",
    country: value.country ?? "",
    role: value.role ?? "",
  });
  return {
    kind: app.kind,
    member_states: app.member_states.join(", "),
    filed_with: app.filed_with,
    holder: { ...app.holder },
    contacts: app.contacts.map((contact) => ({ ...contact })),
    rights: app.rights.map((right) => ({
      type: right.type,
      registration: right.registration ?? "",
      office: right.office ?? "",
      marks: (right.marks ?? []).join(", "),
      nice_classes: (right.nice_classes ?? []).join(", "),
      expires_on: right.expires_on ?? "",
    })),
    goods: app.goods.map((goods) => ({ description: goods.description, hs: goods.hs.join(", ") })),
    authentic_features: app.authentic_features,
    product_codes: app.product_codes.join(", "),
    authorised_parties: app.authorised_parties.map(party),
    known_routes: app.known_routes.join(", "),
    known_infringers: app.known_infringers.map(party),
    small_consignments: app.small_consignments,
    accepts_liability_and_costs: app.accepts_liability_and_costs,
  };
}

// The API body of the form: lists split at commas, Nice classes as numbers
// (a token that is not a number is sent as typed, so it is reported).
export function toBody(form: FormState): ApplicationBody {
  const party = (value: PartyForm) => ({
    name: value.name.trim(),
    address: value.address.trim(),
    country: value.country.trim(),
    role: value.role.trim(),
  });
  const body: ApplicationBody = {
    kind: form.kind,
    holder: { name: form.holder.name.trim(), address: form.holder.address.trim(), country: form.holder.country.trim() },
    contacts: form.contacts.map((contact) => ({ name: contact.name.trim(), email: contact.email.trim(), phone: contact.phone.trim() })),
    rights: form.rights.map((right) => ({
      type: right.type,
      registration: right.registration.trim(),
      office: right.office.trim(),
      marks: splitList(right.marks),
      nice_classes: splitList(right.nice_classes).map((token) => (/^\d+$/.test(token) ? Number(token) : token)),
      expires_on: right.expires_on || null,
    })),
    goods: form.goods.map((goods) => ({ description: goods.description.trim(), hs: splitList(goods.hs) })),
    authentic_features: form.authentic_features,
    product_codes: splitList(form.product_codes),
    authorised_parties: form.authorised_parties.map(party),
    known_routes: splitList(form.known_routes),
    known_infringers: form.known_infringers.map(party),
    small_consignments: form.small_consignments,
    accepts_liability_and_costs: form.accepts_liability_and_costs,
  };
  if (form.kind === "union") body.member_states = splitList(form.member_states).map((code) => code.toUpperCase());
  if (form.filed_with) body.filed_with = form.filed_with;
  return body;
}

function CountrySelect(props: { id: string; name: string; value: string; onChange: (value: string) => void; "aria-invalid"?: boolean; "aria-describedby"?: string }) {
  const { value, onChange, ...rest } = props;
  return (
    <select {...rest} value={value} onChange={(event) => onChange(event.target.value)}>
      <option value="">—</option>
      {COUNTRIES.map((code) => (
        <option key={code}>{code}</option>
      ))}
    </select>
  );
}

function PartyRows({
  title,
  path,
  parties,
  errors,
  onChange,
}: {
  title: string;
  path: string;
  parties: PartyForm[];
  errors: FieldError[];
  onChange: (parties: PartyForm[]) => void;
}) {
  const set = (index: number, key: keyof PartyForm, value: string) => onChange(parties.map((party, at) => (at === index ? { ...party, [key]: value } : party)));
  return (
    <fieldset className="group">
      <legend>{title}</legend>
      {parties.length === 0 && <p className="muted">None.</p>}
      {parties.map((party, index) => (
        <div className="row" key={index}>
          <Field label="Name" path={`${path}[${index}].name`} errors={errors} required>
            {(props) => <input {...props} value={party.name} onChange={(event) => set(index, "name", event.target.value)} />}
          </Field>
          <Field label="Address" path={`${path}[${index}].address`} errors={errors}>
            {(props) => <input {...props} value={party.address} onChange={(event) => set(index, "address", event.target.value)} />}
          </Field>
          <Field label="Country" path={`${path}[${index}].country`} errors={errors}>
            {(props) => <CountrySelect {...props} value={party.country} onChange={(value) => set(index, "country", value)} />}
          </Field>
          <Field label="Role" path={`${path}[${index}].role`} errors={errors} hint="manufacturer, licensee, importer…">
            {(props) => <input {...props} value={party.role} onChange={(event) => set(index, "role", event.target.value)} />}
          </Field>
          <button type="button" className="button link" onClick={() => onChange(parties.filter((_, at) => at !== index))}>
            Remove
          </button>
        </div>
      ))}
      <button type="button" className="button secondary" onClick={() => onChange([...parties, emptyParty()])}>
        Add a party
      </button>
    </fieldset>
  );
}

function ApplicationForm({ initial, id }: { initial: FormState; id?: string }) {
  const [form, setForm] = useState<FormState>(initial);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [failure, setFailure] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const orgs = useLoad((signal) => api.get<{ items: Organisation[] }>("/organisations", undefined, signal), []);
  const update = (change: Partial<FormState>) => setForm((current) => ({ ...current, ...change }));

  const save = async (andSubmit: boolean) => {
    const body = toBody(form);
    const found = validateApplication(body, andSubmit);
    setErrors(found);
    setFailure(undefined);
    if (found.length) {
      window.setTimeout(() => document.querySelector<HTMLElement>(".field-invalid input, .field-invalid select, .field-invalid textarea")?.focus(), 0);
      return;
    }
    setBusy(true);
    let savedId = id;
    try {
      if (id) await api.put(`/applications/${id}`, body);
      else savedId = (await api.post<Application>("/applications", body)).id;
      if (andSubmit) await api.post(`/applications/${savedId}/submit`);
      navigate(`/applications/${savedId}`);
    } catch (reason) {
      const problem = reason as ApiError;
      if (problem.errors?.length) {
        setErrors(problem.errors);
        window.setTimeout(() => document.querySelector<HTMLElement>(".field-invalid input, .field-invalid select, .field-invalid textarea")?.focus(), 0);
      } else setFailure(problem);
      // A new draft that saved but did not submit is now an edit of it.
      if (!id && savedId) navigate(`/applications/${savedId}/edit`, true);
    } finally {
      setBusy(false);
    }
  };

  const submitForm = (event: FormEvent) => {
    event.preventDefault();
    void save(true);
  };

  const customs = (orgs.data?.items ?? []).filter((org) => org.kind === "customs");
  // Errors no input shows (a field the form has no input for): listed at the top.
  const placed = [...document.querySelectorAll<HTMLElement>("[data-field]")].map((element) => element.dataset.field ?? "");
  const unplaced = errors.filter(
    (error) => !placed.some((path) => error.field === path || error.field.startsWith(`${path}[`) || error.field.startsWith(`${path}.`)),
  );

  return (
    <form className="app-form" onSubmit={submitForm} noValidate aria-describedby="form-summary">
      <div id="form-summary" aria-live="polite">
        {errors.length > 0 && (
          <Notice tone="bad">
            <strong>
              {errors.length === 1 ? "1 field needs attention" : `${errors.length} fields need attention`}
            </strong>
            {unplaced.length > 0 && (
              <ul>
                {unplaced.map((error) => (
                  <li key={error.field}>
                    <code>{error.field || "(body)"}</code> {error.message}
                  </li>
                ))}
              </ul>
            )}
          </Notice>
        )}
      </div>
      {failure && <ErrorBox error={failure} />}

      <fieldset className="group">
        <legend>Application</legend>
        <div className="row">
          <Field label="Kind" path="kind" errors={errors}>
            {(props) => (
              <select {...props} value={form.kind} disabled={Boolean(id)} onChange={(event) => update({ kind: event.target.value as FormState["kind"] })}>
                <option value="national">national</option>
                <option value="union">union (several member states)</option>
              </select>
            )}
          </Field>
          {form.kind === "union" && (
            <Field label="Member states" path="member_states" errors={errors} hint="ISO codes, comma separated" required>
              {(props) => <input {...props} value={form.member_states} disabled={Boolean(id)} onChange={(event) => update({ member_states: event.target.value })} />}
            </Field>
          )}
          <Field label="Filed with" path="filed_with" errors={errors} hint="Default: the customs administration of the holder's country">
            {(props) => (
              <select {...props} value={form.filed_with} disabled={Boolean(id)} onChange={(event) => update({ filed_with: event.target.value })}>
                <option value="">customs of the holder's country</option>
                {customs.map((org) => (
                  <option key={org.id} value={org.id}>
                    {org.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
      </fieldset>

      <fieldset className="group">
        <legend>Right holder</legend>
        <div className="row">
          <Field label="Name" path="holder.name" errors={errors} required>
            {(props) => <input {...props} value={form.holder.name} onChange={(event) => update({ holder: { ...form.holder, name: event.target.value } })} />}
          </Field>
          <Field label="Address" path="holder.address" errors={errors} hint="Required to submit">
            {(props) => <input {...props} value={form.holder.address} onChange={(event) => update({ holder: { ...form.holder, address: event.target.value } })} />}
          </Field>
          <Field label="Country" path="holder.country" errors={errors} required>
            {(props) => <CountrySelect {...props} value={form.holder.country} onChange={(value) => update({ holder: { ...form.holder, country: value } })} />}
          </Field>
        </div>
      </fieldset>

      <fieldset className="group" data-field="contact">
        <legend>Contact persons</legend>
        {errorsFor(errors, "contact").length > 0 && <div className="field-error">{errorsFor(errors, "contact").join("; ")}</div>}
        {form.contacts.map((contact, index) => {
          const set = (key: "name" | "email" | "phone", value: string) =>
            update({ contacts: form.contacts.map((item, at) => (at === index ? { ...item, [key]: value } : item)) });
          return (
            <div className="row" key={index}>
              <Field label="Name" path={`contacts[${index}].name`} errors={errors} required>
                {(props) => <input {...props} value={contact.name} onChange={(event) => set("name", event.target.value)} />}
              </Field>
              <Field label="E-mail" path={`contacts[${index}].email`} errors={errors} hint="E-mail or phone">
                {(props) => <input type="email" {...props} value={contact.email} onChange={(event) => set("email", event.target.value)} />}
              </Field>
              <Field label="Phone" path={`contacts[${index}].phone`} errors={errors}>
                {(props) => <input type="tel" {...props} value={contact.phone} onChange={(event) => set("phone", event.target.value)} />}
              </Field>
              {form.contacts.length > 1 && (
                <button type="button" className="button link" onClick={() => update({ contacts: form.contacts.filter((_, at) => at !== index) })}>
                  Remove
                </button>
              )}
            </div>
          );
        })}
        <button type="button" className="button secondary" onClick={() => update({ contacts: [...form.contacts, { name: "", email: "", phone: "" }] })}>
          Add a contact
        </button>
      </fieldset>

      <fieldset className="group" data-field="rights">
        <legend>Rights</legend>
        {errorsFor(errors, "rights").filter((text) => !text.includes(":")).length > 0 && (
          <div className="field-error">{errorsFor(errors, "rights").filter((text) => !text.includes(":")).join("; ")}</div>
        )}
        {form.rights.map((right, index) => {
          const set = (key: keyof FormState["rights"][number], value: string) =>
            update({ rights: form.rights.map((item, at) => (at === index ? { ...item, [key]: value } : item)) });
          const path = `rights[${index}]`;
          return (
            <div className="row" key={index}>
              <Field label="Type" path={`${path}.type`} errors={errors} required>
                {(props) => (
                  <select {...props} value={right.type} onChange={(event) => set("type", event.target.value)}>
                    {RIGHT_TYPES.map((type) => (
                      <option key={type} value={type}>
                        {humanize(type)}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label="Registration" path={`${path}.registration`} errors={errors} hint="Required to submit">
                {(props) => <input {...props} value={right.registration} onChange={(event) => set("registration", event.target.value)} />}
              </Field>
              <Field label="Office" path={`${path}.office`} errors={errors} hint="EUIPO, DPMA…">
                {(props) => <input {...props} value={right.office} onChange={(event) => set("office", event.target.value)} />}
              </Field>
              <Field label="Word marks" path={`${path}.marks`} errors={errors} hint="Comma separated">
                {(props) => <input {...props} value={right.marks} onChange={(event) => set("marks", event.target.value)} />}
              </Field>
              <Field label="Nice classes" path={`${path}.nice_classes`} errors={errors} hint="1–45, comma separated">
                {(props) => <input {...props} inputMode="numeric" value={right.nice_classes} onChange={(event) => set("nice_classes", event.target.value)} />}
              </Field>
              <Field label="Expires on" path={`${path}.expires_on`} errors={errors}>
                {(props) => <input type="date" {...props} value={right.expires_on} onChange={(event) => set("expires_on", event.target.value)} />}
              </Field>
              {form.rights.length > 1 && (
                <button type="button" className="button link" onClick={() => update({ rights: form.rights.filter((_, at) => at !== index) })}>
                  Remove
                </button>
              )}
            </div>
          );
        })}
        <button type="button" className="button secondary" onClick={() => update({ rights: [...form.rights, emptyRight()] })}>
          Add a right
        </button>
      </fieldset>

      <fieldset className="group" data-field="goods">
        <legend>Goods concerned</legend>
        {errorsFor(errors, "goods").filter((text) => !text.includes(":")).length > 0 && (
          <div className="field-error">{errorsFor(errors, "goods").filter((text) => !text.includes(":")).join("; ")}</div>
        )}
        {form.goods.map((goods, index) => {
          const set = (key: "description" | "hs", value: string) =>
            update({ goods: form.goods.map((item, at) => (at === index ? { ...item, [key]: value } : item)) });
          return (
            <div className="row" key={index}>
              <Field label="Description" path={`goods[${index}].description`} errors={errors} required>
                {(props) => <input {...props} value={goods.description} onChange={(event) => set("description", event.target.value)} />}
              </Field>
              <Field label="HS codes" path={`goods[${index}].hs`} errors={errors} hint="2 to 10 digits each, comma separated">
                {(props) => <input {...props} value={goods.hs} onChange={(event) => set("hs", event.target.value)} />}
              </Field>
              {form.goods.length > 1 && (
                <button type="button" className="button link" onClick={() => update({ goods: form.goods.filter((_, at) => at !== index) })}>
                  Remove
                </button>
              )}
            </div>
          );
        })}
        <button type="button" className="button secondary" onClick={() => update({ goods: [...form.goods, { description: "", hs: "" }] })}>
          Add goods
        </button>
      </fieldset>

      <fieldset className="group">
        <legend>Recognising authentic goods</legend>
        <Field label="Authentic features" path="authentic_features" errors={errors} hint="Labels, holograms, packaging: how an officer tells authentic goods (up to 10,000 characters)">
          {(props) => <textarea {...props} rows={4} value={form.authentic_features} onChange={(event) => update({ authentic_features: event.target.value })} />}
        </Field>
        <div className="row">
          <Field label="Product codes" path="product_codes" errors={errors} hint="e.g. GTIN prefixes, comma separated">
            {(props) => <input {...props} value={form.product_codes} onChange={(event) => update({ product_codes: event.target.value })} />}
          </Field>
          <Field label="Known routes" path="known_routes" errors={errors} hint="UN/LOCODEs or text, comma separated">
            {(props) => <input {...props} value={form.known_routes} onChange={(event) => update({ known_routes: event.target.value })} />}
          </Field>
        </div>
      </fieldset>

      <PartyRows title="Authorised parties" path="authorised_parties" parties={form.authorised_parties} errors={errors} onChange={(value) => update({ authorised_parties: value })} />
      <PartyRows title="Known infringers" path="known_infringers" parties={form.known_infringers} errors={errors} onChange={(value) => update({ known_infringers: value })} />

      <fieldset className="group">
        <legend>Undertakings</legend>
        <div className="field checkbox" data-field="small_consignments">
          <label>
            <input type="checkbox" checked={form.small_consignments} onChange={(event) => update({ small_consignments: event.target.checked })} /> Use the small-consignments procedure
            (Art. 26)
          </label>
        </div>
        <Field label="Liability and costs" path="accepts_liability_and_costs" errors={errors}>
          {(props) => (
            <label className="checkbox">
              <input
                type="checkbox"
                {...props}
                checked={form.accepts_liability_and_costs}
                onChange={(event) => update({ accepts_liability_and_costs: event.target.checked })}
              />{" "}
              The holder accepts liability and bears the costs (Art. 6(3)(q), Art. 29) — required to submit
            </label>
          )}
        </Field>
      </fieldset>

      <div className="form-actions">
        <button type="button" className="button secondary" disabled={busy} onClick={() => void save(false)}>
          Save draft
        </button>
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? "Saving…" : "Save and submit"}
        </button>
      </div>
    </form>
  );
}

export function ApplicationEdit({ id }: { id?: string }) {
  const me = useMe();
  const loaded = useLoad((signal) => (id ? api.get<Application>(`/applications/${id}`, undefined, signal) : Promise.resolve(null)), [id]);
  if (!can(me, "file_application")) return <Empty>Only a right holder's representative files applications.</Empty>;
  if (loaded.error) return <ErrorBox error={loaded.error} retry={loaded.reload} />;
  if (loaded.data === undefined) return <Loading />;
  const app = loaded.data;
  if (app && app.status !== "draft") {
    return (
      <section>
        <PageHeader title="Edit application" />
        <Notice tone="warn">
          Only a draft can be edited; this application is {app.status}. <Link to={`/applications/${app.id}`}>Back to it</Link>.
        </Notice>
      </section>
    );
  }
  const initial = app ? fromApplication(app) : { ...blankForm(), holder: { name: me.organisation.name, address: "", country: me.organisation.country } };
  return (
    <section>
      <PageHeader title={app ? "Edit the draft" : "File an application for action"} subtitle="Fields marked * are needed to save a draft; the rest are needed to submit." />
      <ApplicationForm key={app?.id ?? "new"} initial={initial} id={app?.id} />
    </section>
  );
}
