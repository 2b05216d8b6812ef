// What needs doing now, per role: cases by next deadline, today's
// selections, applications awaiting a decision, unread notices.
import { api, ApiError, type Page } from "../api";
import { messageTitle, type ExchangeMessage } from "./Exchange";
import { can, ROLE_LABELS, useMe } from "../auth";
import { Link } from "../router";
import type { Application, Case, Notice, Selection } from "../types";
import { Badge, Countdown, Empty, formatDate, formatDateTime, humanize, PageHeader, Show, todayIso, useLoad } from "../ui";

function Panel({ title, to, linkLabel, children, testId }: { title: string; to: string; linkLabel: string; children: React.ReactNode; testId?: string }) {
  return (
    <section className="panel" aria-labelledby={`${testId}-title`} data-testid={testId}>
      <header className="panel-header">
        <h2 id={`${testId}-title`}>{title}</h2>
        <Link to={to}>{linkLabel}</Link>
      </header>
      {children}
    </section>
  );
}

function CaseDeadlines() {
  const loaded = useLoad((signal) => api.get<Page<Case>>("/cases/queue", { limit: 6 }, signal), []);
  return (
    <Panel title="Cases by next deadline" to="/cases" linkLabel="All cases" testId="home-cases">
      <Show loaded={loaded}>
        {(page) =>
          page.items.length === 0 ? (
            <Empty>No open cases.</Empty>
          ) : (
            <ul className="worklist">
              {page.items.map((item) => (
                <li key={item.id}>
                  <Link to={`/cases/${item.id}`}>
                    <strong>{item.goods[0]?.mark || item.goods[0]?.description || item.id}</strong>
                  </Link>
                  <span className="muted">
                    {item.office} · <Badge value={item.state} />
                  </span>
                  {item.next_deadline ? (
                    <span>
                      {humanize(item.next_deadline.name)} {formatDate(item.next_deadline.due)} · <Countdown due={item.next_deadline.due} live={false} />
                    </span>
                  ) : (
                    <span className="muted">no deadline running</span>
                  )}
                </li>
              ))}
            </ul>
          )
        }
      </Show>
    </Panel>
  );
}

function OpenSelections() {
  const loaded = useLoad((signal) => api.get<Page<Selection>>("/selections", { status: "open", limit: 50 }, signal), []);
  const today = todayIso();
  return (
    <Panel title="Today's selections" to="/selections" linkLabel="Selection queue" testId="home-selections">
      <Show loaded={loaded}>
        {(page) => {
          const todays = page.items.filter((item) => item.created_at.slice(0, 10) === today);
          const shown = (todays.length ? todays : page.items).slice(0, 6);
          return shown.length === 0 ? (
            <Empty>Nothing selected for inspection.</Empty>
          ) : (
            <>
              <p className="muted">
                {todays.length} selected today · {page.items.length}
                {page.next_cursor ? "+" : ""} open in the queue
              </p>
              <ul className="worklist">
                {shown.map((item) => (
                  <li key={item.id}>
                    <Link to={`/selections/${item.id}`}>
                      <strong>{item.declaration_id}</strong>
                    </Link>
                    <span className="muted">{item.office}</span>
                    <span>
                      <Badge value={item.channel} /> score {item.score.toFixed(2)}
                    </span>
                  </li>
                ))}
              </ul>
            </>
          );
        }}
      </Show>
    </Panel>
  );
}

function ApplicationsPanel({ status, title, own }: { status?: string; title: string; own?: boolean }) {
  const loaded = useLoad((signal) => api.get<Page<Application>>("/applications", { status, order: own ? "newest" : "oldest", limit: 6 }, signal), [status, own]);
  return (
    <Panel title={title} to={status ? `/applications?status=${status}` : "/applications"} linkLabel="All applications" testId="home-applications">
      <Show loaded={loaded}>
        {(page) =>
          page.items.length === 0 ? (
            <Empty>{status === "submitted" ? "No application awaits a decision." : "No applications yet."}</Empty>
          ) : (
            <ul className="worklist">
              {page.items.map((item) => (
                <li key={item.id}>
                  <Link to={`/applications/${item.id}`}>
                    <strong>{own ? item.rights.flatMap((right) => right.marks ?? []).join(", ") || item.id : item.holder.name}</strong>
                  </Link>
                  <span className="muted">{own ? (item.valid_until ? `valid until ${formatDate(item.valid_until)}` : "") : item.rights.flatMap((right) => right.marks ?? []).join(", ") || item.rights[0]?.type}</span>
                  <span>
                    <Badge value={item.status} /> {item.submitted_at ? `submitted ${formatDate(item.submitted_at)}` : ""}
                  </span>
                </li>
              ))}
            </ul>
          )
        }
      </Show>
    </Panel>
  );
}

function UnreadNotices() {
  const loaded = useLoad((signal) => api.get<Page<Notice>>("/notifications", { unread: true, limit: 6 }, signal), []);
  return (
    <Panel title="Unread notices" to="/notices" linkLabel="Inbox" testId="home-notices">
      <Show loaded={loaded}>
        {(page) =>
          page.items.length === 0 ? (
            <Empty>No unread notices.</Empty>
          ) : (
            <ul className="worklist">
              {page.items.map((item) => (
                <li key={item.id}>
                  <Link to={`/notices?open=${item.id}`}>
                    <strong>{item.subject}</strong>
                  </Link>
                  <span className="muted">{formatDateTime(item.created_at)}</span>
                  {item.due_by && <span>answer by {formatDate(item.due_by)}</span>}
                </li>
              ))}
            </ul>
          )
        }
      </Show>
    </Panel>
  );
}

// Messages from partner administrations waiting for an answer; nothing when
// the server has no exchange configured.
function ReceivedMessages() {
  const loaded = useLoad((signal) => api.get<Page<ExchangeMessage>>("/exchange/messages", { direction: "in", state: "received", limit: 6 }, signal), []);
  if (loaded.error instanceof ApiError && (loaded.error.status === 503 || loaded.error.status === 404)) return null;
  return (
    <Panel title="Messages from partners" to="/exchange" linkLabel="Exchange" testId="home-messages">
      <Show loaded={loaded}>
        {(page) =>
          page.items.length === 0 ? (
            <Empty>No messages waiting.</Empty>
          ) : (
            <ul className="worklist">
              {page.items.map((item) => (
                <li key={item.id}>
                  <Link to={`/exchange?direction=in&open=${item.id}`}>
                    <strong>{messageTitle(item)}</strong>
                  </Link>
                  <span className="muted">
                    from {item.from} · {formatDateTime(item.created_at)}
                  </span>
                </li>
              ))}
            </ul>
          )
        }
      </Show>
    </Panel>
  );
}

export function Home() {
  const me = useMe();
  const role = me.user.role;
  const panels: React.ReactNode[] = [];
  if (can(me, "cases")) panels.push(<CaseDeadlines key="cases" />);
  if (can(me, "selections")) panels.push(<OpenSelections key="selections" />);
  if (can(me, "decide_application")) panels.push(<ApplicationsPanel key="apps" status="submitted" title="Applications awaiting decision" />);
  if (can(me, "file_application")) panels.push(<ApplicationsPanel key="apps" title="Your applications" own />);
  if (can(me, "notices")) panels.push(<UnreadNotices key="notices" />);
  if (can(me, "exchange")) panels.push(<ReceivedMessages key="messages" />);
  return (
    <section>
      <PageHeader title={`Good day, ${me.user.name || me.user.email}`} subtitle={`${ROLE_LABELS[role]} · ${me.organisation.name}`}>
        {can(me, "file_application") && (
          <Link to="/applications/new" className="button primary">
            File an application
          </Link>
        )}
        {can(me, "screen") && (
          <Link to="/screening" className="button primary">
            Screen a batch
          </Link>
        )}
      </PageHeader>
      {panels.length === 0 ? <Empty>Nothing needs your attention in this version of the dashboard.</Empty> : <div className="panels">{panels}</div>}
    </section>
  );
}
