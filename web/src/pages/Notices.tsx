// The organisation's notices (docs/notifications.md): inbox or sent, unread
// first on request, one notice opened with its legal text; opening marks it read.
import { useState } from "react";
import { api, type Page } from "../api";
import { Link, navigate, useLocation } from "../router";
import type { Notice as NoticeRecord } from "../types";
import { Badge, formatDate, formatDateTime, humanize, PagedTable, PageHeader, Show, useLoad } from "../ui";

function NoticeDetail({ id, onRead }: { id: string; onRead: () => void }) {
  const loaded = useLoad(async (signal) => {
    const notice = await api.get<NoticeRecord>(`/notifications/${id}`, undefined, signal);
    if (!notice.read_at) {
      await api.post(`/notifications/${id}/read`).catch(() => undefined);
      onRead();
    }
    return notice;
  }, [id]);
  return (
    <Show loaded={loaded}>
      {(notice) => (
        <article className="card notice-detail" aria-labelledby="notice-subject">
          <h2 id="notice-subject">{notice.subject}</h2>
          <p className="muted small">
            {humanize(notice.kind)} · {formatDateTime(notice.created_at)}
            {notice.due_by ? ` · answer by ${formatDate(notice.due_by)}` : ""}
          </p>
          <pre className="notice-body">{notice.body}</pre>
          {notice.object && (
            <p>
              About {notice.object.type}{" "}
              <Link to={notice.object.type === "case" ? `/cases/${notice.object.id}` : notice.object.type === "application" ? `/applications/${notice.object.id}` : "#"}>{notice.object.id}</Link>
            </p>
          )}
        </article>
      )}
    </Show>
  );
}

export function Notices() {
  const location = useLocation();
  const box = location.query.get("box") ?? "inbox";
  const unread = location.query.get("unread") === "true";
  const open = location.query.get("open");
  const [generation, setGeneration] = useState(0);
  const setQuery = (changes: Record<string, string | null>) => {
    const query = new URLSearchParams(location.query);
    for (const [name, value] of Object.entries(changes)) {
      if (value === null) query.delete(name);
      else query.set(name, value);
    }
    navigate(`/notices?${query}`, true);
  };
  return (
    <section>
      <PageHeader title="Notices" subtitle="Legal notices to and from your organisation, with their due dates." />
      <div className="filters">
        <label>
          Box{" "}
          <select value={box} onChange={(event) => setQuery({ box: event.target.value, open: null })}>
            <option value="inbox">inbox</option>
            <option value="sent">sent</option>
          </select>
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={unread} onChange={(event) => setQuery({ unread: event.target.checked ? "true" : null })} /> Unread only
        </label>
      </div>
      <div className={open ? "grid-2" : ""}>
        <PagedTable<NoticeRecord>
          caption="Notices"
          testId="notices-table"
          deps={[box, unread, generation]}
          sortOptions={[{ value: "newest", label: "Newest first" }]}
          fetchPage={({ cursor, limit, signal }) => api.get<Page<NoticeRecord>>("/notifications", { box, unread: unread ? true : undefined, limit, cursor }, signal)}
          rowKey={(row) => row.id}
          empty={unread ? "No unread notices." : "No notices."}
          columns={[
            {
              header: "Subject",
              render: (row) => (
                <Link to={`/notices?${new URLSearchParams({ box, ...(unread ? { unread: "true" } : {}), open: row.id })}`} className={row.read_at ? "" : "unread"}>
                  {row.subject}
                </Link>
              ),
            },
            { header: "Kind", render: (row) => humanize(row.kind) },
            { header: "Received", render: (row) => formatDateTime(row.created_at) },
            { header: "Due", render: (row) => formatDate(row.due_by) },
            { header: "", render: (row) => (box === "inbox" && !row.read_at ? <Badge value="unread" tone="info" /> : null) },
          ]}
        />
        {open && <NoticeDetail id={open} onRead={() => setGeneration((value) => value + 1)} />}
      </div>
    </section>
  );
}
