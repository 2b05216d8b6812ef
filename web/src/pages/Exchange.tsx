// Exchange with partner administrations (issue 7, docs/exchange.md): the
// inbox and outbox of signed, encrypted messages, one message with its
// payload, accepting or declining a received one (a joint profile joins
// screening, a referral's parties the watchlist), and the referral form a
// case page uses.
import { useEffect, useState, type FormEvent } from "react";
import { api, ApiError, type Page } from "../api";
import { Link, navigate, useLocation } from "../router";
import { ProfileTestView, testProfile, type ProfileTest } from "./Profiles";
import { Badge, Empty, ErrorBox, Field, formatDateTime, humanize, Notice, PagedTable, PageHeader, Show, useLoad } from "../ui";

export interface ExchangeMessage {
  id: string;
  direction: "in" | "out";
  message_id: string;
  from?: string;
  to?: string;
  type: string;
  version: number;
  in_reply_to: string | null;
  group: string | null;
  state: string;
  payload: Record<string, unknown>;
  envelope_sha256: string;
  created_at: string;
  expires_at: string;
  updated_at: string;
  result: Record<string, unknown> | null;
  attempts?: number;
  next_attempt_at?: string | null;
  last_error?: string;
  object?: { type: string; id: string };
}

export interface Partner {
  id: string;
  name: string;
  status: string;
  allow_send: string[];
  allow_receive: string[];
}

const TYPES = ["referral", "feedback", "alert", "joint_profile", "statistics", "receipt"];
const STATE_TONES: Record<string, string> = { received: "info", accepted: "ok", declined: "neutral", pending: "warn", delivered: "ok", rejected: "bad", expired: "bad" };

// A message's line in the lists: its type and what it is about.
export function messageTitle(message: ExchangeMessage): string {
  const payload = message.payload ?? {};
  const text = (value: unknown) => (typeof value === "string" ? value : "");
  switch (message.type) {
    case "referral":
      return `Referral ${text(payload.case_reference)}`.trim();
    case "joint_profile": {
      const profile = payload.profile as Record<string, unknown> | undefined;
      return `Joint profile ${profile && typeof profile.name === "string" ? `“${profile.name}”` : ""}`.trim();
    }
    case "alert":
      return `Alert: ${text(payload.title)}`;
    case "statistics":
      return `Statistics ${text(payload.period)}`.trim();
    case "feedback":
      return "Feedback on a referral";
    default:
      return humanize(message.type);
  }
}

function ResultView({ message }: { message: ExchangeMessage }) {
  const result = message.result ?? {};
  if (Object.keys(result).length === 0) return null;
  const profileId = typeof result.profile_id === "string" ? result.profile_id : undefined;
  const entries = Array.isArray(result.watchlist_entries) ? result.watchlist_entries.length : undefined;
  return (
    <Notice tone="ok">
      {profileId ? (
        <>
          The profile joined screening as <Link to="/profiles">{profileId}</Link> (active).
        </>
      ) : entries !== undefined ? (
        <>{entries} part{entries === 1 ? "y" : "ies"} joined the watchlist.</>
      ) : (
        <>
          Result: <code className="break">{JSON.stringify(result)}</code>
        </>
      )}
    </Notice>
  );
}

function Payload({ message }: { message: ExchangeMessage }) {
  const payload = message.payload ?? {};
  const goods = Array.isArray(payload.goods) ? (payload.goods as Record<string, unknown>[]) : [];
  const rest = Object.entries(payload).filter(([key]) => key !== "goods");
  return (
    <>
      <dl className="facts">
        {rest.map(([key, value]) => (
          <div className="fact" key={key}>
            <dt>{humanize(key)}</dt>
            <dd>
              {key === "profile" && value && typeof value === "object" ? (
                <pre className="code-block">{JSON.stringify(value, null, 2)}</pre>
              ) : typeof value === "object" ? (
                <code className="break">{JSON.stringify(value)}</code>
              ) : (
                String(value)
              )}
            </dd>
          </div>
        ))}
      </dl>
      {goods.length > 0 && (
        <table className="data compact">
          <caption className="visually-hidden">Goods</caption>
          <thead>
            <tr>
              <th scope="col">Description</th>
              <th scope="col">HS</th>
              <th scope="col">Quantity</th>
              <th scope="col">Mark</th>
            </tr>
          </thead>
          <tbody>
            {goods.map((line, index) => (
              <tr key={index}>
                <td>{String(line.description ?? "")}</td>
                <td>{String(line.hs ?? "")}</td>
                <td>
                  {String(line.quantity ?? "")} {String(line.unit ?? "")}
                </td>
                <td>{String(line.mark ?? "")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

// A received joint profile tried on this administration's own recent
// declarations before it is accepted (accepting makes it active).
function JointProfileTest({ profile }: { profile: unknown }) {
  const [test, setTest] = useState<ProfileTest>();
  const [failure, setFailure] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    setFailure(undefined);
    try {
      setTest(await testProfile(profile, 1000));
    } catch (error) {
      setFailure(error as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div>
      <button type="button" className="button secondary" disabled={busy} onClick={() => void run()}>
        Test against our 1,000 most recent declarations
      </button>
      {failure && <ErrorBox error={failure} />}
      {test && <ProfileTestView test={test} />}
    </div>
  );
}

function MessageDetail({ id, onChanged }: { id: string; onChanged: () => void }) {
  const loaded = useLoad((signal) => api.get<ExchangeMessage>(`/exchange/messages/${id}`, undefined, signal), [id]);
  const [failure, setFailure] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const pending = loaded.data?.state === "pending" && !loaded.loading;
  const { reload } = loaded;
  useEffect(() => {
    if (!pending) return;
    const timer = window.setTimeout(reload, 2000);
    return () => window.clearTimeout(timer);
  }, [pending, reload, loaded.data]);
  const act = async (action: "accept" | "decline") => {
    setFailure(undefined);
    setBusy(true);
    try {
      await api.post(`/exchange/messages/${id}/${action}`);
      loaded.reload();
      onChanged();
    } catch (error) {
      setFailure(error as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Show loaded={loaded}>
      {(message) => (
        <article className="card" aria-labelledby="message-title" data-testid="exchange-message">
          <h2 id="message-title">
            {messageTitle(message)} {message.direction === "in" ? `from ${message.from}` : `to ${message.to}`}{" "}
            <Badge value={message.state} tone={STATE_TONES[message.state]} />
          </h2>
          <p className="muted small">
            <code>{message.message_id}</code> · {formatDateTime(message.created_at)} · expires {formatDateTime(message.expires_at)}
            {message.group ? ` · group ${message.group}` : ""}
            {message.in_reply_to ? ` · in reply to ${message.in_reply_to}` : ""}
          </p>
          {message.object && message.object.type === "case" && (
            <p>
              From case <Link to={`/cases/${message.object.id}`}>{message.object.id}</Link>
            </p>
          )}
          <Payload message={message} />
          {message.direction === "out" && (
            <p className="muted small">
              {message.attempts ?? 0} delivery attempt(s){message.next_attempt_at ? `; next ${formatDateTime(message.next_attempt_at)}` : ""}
              {message.last_error ? `; last error: ${message.last_error}` : ""}
            </p>
          )}
          <ResultView message={message} />
          {failure && <ErrorBox error={failure} />}
          {message.direction === "in" && message.state === "received" && message.type === "joint_profile" && <JointProfileTest profile={message.payload.profile} />}
          {message.direction === "in" && message.state === "received" && (
            <div className="form-actions">
              <button type="button" className="button secondary" disabled={busy} onClick={() => void act("decline")}>
                Decline
              </button>
              <button type="button" className="button primary" disabled={busy} onClick={() => void act("accept")}>
                {message.type === "joint_profile" ? "Accept the joint profile" : message.type === "referral" ? "Accept (parties join the watchlist)" : "Accept"}
              </button>
            </div>
          )}
        </article>
      )}
    </Show>
  );
}

export function Exchange() {
  const location = useLocation();
  const direction = location.query.get("direction") ?? "in";
  const type = location.query.get("type") ?? "";
  const open = location.query.get("open");
  const [generation, setGeneration] = useState(0);
  const probe = useLoad((signal) => api.get<{ items: Partner[] }>("/exchange/partners", undefined, signal), []);
  const setQuery = (changes: Record<string, string | null>) => {
    const query = new URLSearchParams(location.query);
    for (const [name, value] of Object.entries(changes)) {
      if (value === null || value === "") query.delete(name);
      else query.set(name, value);
    }
    navigate(`/exchange?${query}`, true);
  };
  if (probe.error instanceof ApiError && (probe.error.status === 404 || probe.error.status === 503)) {
    return (
      <section>
        <PageHeader title="Exchange" />
        <Empty>
          {probe.error.status === 503
            ? "The exchange with partner administrations is not configured on this server (its operator runs cordon keys init and registers partners)."
            : "This server does not offer the exchange with partner administrations."}
        </Empty>
      </section>
    );
  }
  return (
    <section>
      <PageHeader title="Exchange" subtitle="Signed, encrypted messages with partner administrations: referrals, feedback, alerts, joint risk profiles and quarterly statistics." />
      <div className="filters">
        <div role="group" aria-label="Box" className="button-row">
          {[
            ["in", "Inbox"],
            ["out", "Outbox"],
          ].map(([value, label]) => (
            <button key={value} type="button" aria-pressed={direction === value} className={`button ${direction === value ? "primary" : "secondary"}`} onClick={() => setQuery({ direction: value, open: null })}>
              {label}
            </button>
          ))}
        </div>
        <label>
          Type{" "}
          <select value={type} onChange={(event) => setQuery({ type: event.target.value, open: null })}>
            <option value="">all</option>
            {TYPES.map((value) => (
              <option key={value} value={value}>
                {humanize(value)}
              </option>
            ))}
          </select>
        </label>
        {probe.data && <span className="muted small">{probe.data.items.length} partner(s): {probe.data.items.map((partner) => partner.name).join(", ") || "none registered"}</span>}
      </div>
      <div className={open ? "grid-2" : ""}>
        <PagedTable<ExchangeMessage>
          caption={direction === "in" ? "Inbox" : "Outbox"}
          testId="exchange-table"
          deps={[direction, type, generation]}
          sortOptions={[{ value: "newest", label: "Newest first" }]}
          fetchPage={({ cursor, limit, signal }) => api.get<Page<ExchangeMessage>>("/exchange/messages", { direction, type, limit, cursor }, signal)}
          rowKey={(row) => row.id}
          empty={direction === "in" ? "No messages received." : "No messages sent."}
          refreshWhile={(rows) => rows.some((row) => row.state === "pending")}
          columns={[
            {
              header: "Message",
              render: (row) => (
                <Link to={`/exchange?${new URLSearchParams({ direction, ...(type ? { type } : {}), open: row.id })}`}>
                  {messageTitle(row)}
                </Link>
              ),
            },
            { header: direction === "in" ? "From" : "To", render: (row) => row.from ?? row.to ?? row.group ?? "" },
            { header: "State", render: (row) => <Badge value={row.state} tone={STATE_TONES[row.state]} /> },
            { header: "When", render: (row) => formatDateTime(row.created_at) },
          ]}
        />
        {open && <MessageDetail id={open} onChanged={() => setGeneration((value) => value + 1)} />}
      </div>
    </section>
  );
}

// "Refer to a partner" on a case page: only where the server has the
// exchange and partners are registered.
export function ReferralForm({ caseId }: { caseId: string }) {
  const partners = useLoad((signal) => api.get<{ items: Partner[] }>("/exchange/partners", undefined, signal), []);
  const [open, setOpen] = useState(false);
  const [to, setTo] = useState("");
  const [summary, setSummary] = useState("");
  const [includeParties, setIncludeParties] = useState(false);
  const [failure, setFailure] = useState<ApiError>();
  const [sent, setSent] = useState<ExchangeMessage>();
  const [busy, setBusy] = useState(false);
  const usable = (partners.data?.items ?? []).filter((partner) => partner.status === "active" && (partner.allow_send ?? []).includes("referral"));
  if (partners.error || usable.length === 0) return null;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(undefined);
    setBusy(true);
    try {
      const body: Record<string, unknown> = { to: to || usable[0].id, include_parties: includeParties };
      if (summary.trim()) body.summary = summary.trim();
      setSent(await api.post<ExchangeMessage>(`/cases/${caseId}/referral`, body));
      setOpen(false);
      setSummary("");
    } catch (error) {
      setFailure(error as ApiError);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card" aria-label="Referral">
      <h2>Refer to a partner administration</h2>
      {sent && (
        <Notice tone="ok">
          Referral queued for {sent.to}, signed and encrypted; the server delivers it.{" "}
          <Link to={`/exchange?direction=out&open=${sent.id}`}>Follow it in the outbox</Link>
        </Notice>
      )}
      {!open ? (
        <button type="button" className="button secondary" onClick={() => setOpen(true)}>
          Send a referral
        </button>
      ) : (
        <form onSubmit={submit}>
          <div className="row">
            <Field label="Partner" path="to" errors={failure?.errors ?? []} required>
              {(props) => (
                <select {...props} value={to || usable[0].id} onChange={(event) => setTo(event.target.value)}>
                  {usable.map((partner) => (
                    <option key={partner.id} value={partner.id}>
                      {partner.name} ({partner.id})
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Summary" path="summary" errors={failure?.errors ?? []}>
              {(props) => <input {...props} value={summary} onChange={(event) => setSummary(event.target.value)} />}
            </Field>
            <label className="checkbox">
              <input type="checkbox" checked={includeParties} onChange={(event) => setIncludeParties(event.target.checked)} /> Include the declarant and holder of the goods (where the legal basis allows)
            </label>
          </div>
          {failure && failure.errors.length === 0 && <ErrorBox error={failure} />}
          <div className="form-actions">
            <button type="button" className="button secondary" onClick={() => setOpen(false)}>
              Cancel
            </button>
            <button type="submit" className="button primary" disabled={busy}>
              Send referral
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
