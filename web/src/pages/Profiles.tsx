// Risk profiles: the administration's rules over declaration fields
// (docs/profiles.md), listed, written and edited with the server's field
// errors shown where they belong (rule paths such as rule.all[0].value[1]).
import { useState, type FormEvent } from "react";
import { api, ApiError, type FieldError } from "../api";
import { Link } from "../router";
import { Badge, Empty, ErrorBox, Field, formatDate, formatDateTime, Loading, Notice, PageHeader, Show, useLoad } from "../ui";

interface Profile {
  id: string;
  name: string;
  description: string;
  weight: number;
  valid_from: string | null;
  valid_to: string | null;
  active: boolean;
  share_with_partners: boolean;
  rule: unknown;
  version: number;
  updated_at: string;
}

const EXAMPLE_RULE = {
  all: [
    { field: "origin", op: "in", value: ["CN", "HK"] },
    { field: "item.hs", op: "prefix", value: ["6402", "6404"] },
  ],
};

// POST /profiles/test: a draft evaluated against the most recent stored
// declarations; nothing is stored.
export interface ProfileTest {
  declarations: number;
  hits: number;
  hit_rate: number;
  selected_hits: number;
  unreadable: number;
  from: string | null;
  to: string | null;
  samples: {
    result_id: string;
    declaration_id: string;
    office: string;
    screened_at: string;
    channel: string;
    selected: boolean;
    origin: string;
    consignor: string;
    goods?: { hs: string; description: string; quantity: number; value: number; currency: string };
  }[];
}

export const TEST_SIZES = [100, 1000, 10000];

export function testProfile(body: unknown, declarations: number): Promise<ProfileTest> {
  return api.post<ProfileTest>("/profiles/test", body, { declarations, samples: 20 });
}

export function ProfileTestView({ test, stale }: { test: ProfileTest; stale?: boolean }) {
  const percent = (test.hit_rate * 100).toLocaleString("en", { maximumFractionDigits: 1 });
  return (
    <section className="test-result" aria-label="Test result" data-testid="profile-test" aria-live="polite">
      {test.declarations === 0 ? (
        <Empty>No stored declarations to test against yet: screen a batch with “store the run” first.</Empty>
      ) : (
        <>
          <p>
            <strong data-testid="profile-test-hits">
              {test.hits.toLocaleString("en")} of {test.declarations.toLocaleString("en")}
            </strong>{" "}
            recent declarations hit ({percent} %), {test.selected_hits.toLocaleString("en")} of them already selected by screening. Screened{" "}
            {formatDateTime(test.from)} to {formatDateTime(test.to)}.
            {test.unreadable > 0 && ` ${test.unreadable} stored declaration(s) could not be read and were skipped.`}
          </p>
          {stale && <Notice tone="warn">The draft has changed since this test; test it again.</Notice>}
          {test.samples.length > 0 && (
            <div className="table-scroll">
              <table className="data compact">
                <caption className="visually-hidden">Sample hits, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Declaration</th>
                    <th scope="col">Screened</th>
                    <th scope="col">Office</th>
                    <th scope="col">Origin</th>
                    <th scope="col">Goods</th>
                    <th scope="col">Now</th>
                  </tr>
                </thead>
                <tbody>
                  {test.samples.map((sample) => (
                    <tr key={sample.result_id} data-declaration={sample.declaration_id}>
                      <td>{sample.selected ? <Link to={`/selections/${sample.result_id}`}>{sample.declaration_id}</Link> : sample.declaration_id}</td>
                      <td>{formatDateTime(sample.screened_at)}</td>
                      <td>{sample.office}</td>
                      <td>{sample.origin || "—"}</td>
                      <td>{sample.goods ? `${sample.goods.hs} ${sample.goods.description}` : ""}</td>
                      <td>
                        <Badge value={sample.channel} /> {sample.selected ? "selected" : ""}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}

function ProfileEditor({ profile, onSaved, onCancel }: { profile?: Profile; onSaved: (message: string) => void; onCancel: () => void }) {
  const [name, setName] = useState(profile?.name ?? "");
  const [description, setDescription] = useState(profile?.description ?? "");
  const [weight, setWeight] = useState(String(profile?.weight ?? 0.5));
  const [validFrom, setValidFrom] = useState(profile?.valid_from ?? "");
  const [validTo, setValidTo] = useState(profile?.valid_to ?? "");
  // A new profile starts inactive: test it, then activate it.
  const [active, setActive] = useState(profile?.active ?? false);
  const [rule, setRule] = useState(JSON.stringify(profile?.rule ?? EXAMPLE_RULE, null, 2));
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [failure, setFailure] = useState<ApiError>();
  const [busy, setBusy] = useState<"test" | "save">();
  const [size, setSize] = useState(1000);
  const [tested, setTested] = useState<{ test: ProfileTest; draft: string }>();
  // The body as the server reads it; undefined (and the error at the field)
  // when the rule is not JSON.
  const draft = (activate: boolean) => {
    let parsedRule: unknown;
    try {
      parsedRule = JSON.parse(rule);
    } catch {
      setErrors([{ field: "rule", message: "must be JSON" }]);
      return undefined;
    }
    return {
      name,
      description,
      weight: Number(weight),
      valid_from: validFrom || null,
      valid_to: validTo || null,
      active: activate,
      rule: parsedRule,
      ...(profile ? { version: profile.version } : {}),
    };
  };
  const fail = (error: unknown) => {
    const problem = error as ApiError;
    setErrors(problem.errors ?? []);
    setFailure(problem);
  };
  const runTest = async () => {
    setFailure(undefined);
    const body = draft(active);
    if (!body) return;
    setErrors([]);
    setBusy("test");
    try {
      setTested({ test: await testProfile(body, size), draft: JSON.stringify({ ...body, active: undefined }) });
    } catch (error) {
      fail(error);
    } finally {
      setBusy(undefined);
    }
  };
  const saveAs = async (activate: boolean) => {
    setFailure(undefined);
    const body = draft(activate);
    if (!body) return;
    setBusy("save");
    try {
      if (profile) await api.put(`/profiles/${profile.id}`, body);
      else await api.post("/profiles", body);
      onSaved(activate ? `“${body.name}” saved and active: screenings use it from the next batch.` : `“${body.name}” saved, inactive.`);
    } catch (error) {
      fail(error);
    } finally {
      setBusy(undefined);
    }
  };
  const save = (event: FormEvent) => {
    event.preventDefault();
    void saveAs(active);
  };
  const current = (() => {
    try {
      return JSON.stringify({ name, description, weight: Number(weight), valid_from: validFrom || null, valid_to: validTo || null, active: undefined, rule: JSON.parse(rule), ...(profile ? { version: profile.version } : {}) });
    } catch {
      return "";
    }
  })();
  return (
    <form className="card" onSubmit={save} aria-label={profile ? `Edit ${profile.name}` : "New profile"}>
      <h2>{profile ? `Edit “${profile.name}”` : "New risk profile"}</h2>
      <div className="row">
        <Field label="Name" path="name" errors={errors} required>
          {(props) => <input {...props} value={name} onChange={(event) => setName(event.target.value)} />}
        </Field>
        <Field label="Weight (0–1)" path="weight" errors={errors}>
          {(props) => <input {...props} type="number" min="0" max="1" step="0.05" value={weight} onChange={(event) => setWeight(event.target.value)} />}
        </Field>
        <Field label="Valid from" path="valid_from" errors={errors}>
          {(props) => <input {...props} type="date" value={validFrom} onChange={(event) => setValidFrom(event.target.value)} />}
        </Field>
        <Field label="Valid to" path="valid_to" errors={errors}>
          {(props) => <input {...props} type="date" value={validTo} onChange={(event) => setValidTo(event.target.value)} />}
        </Field>
      </div>
      <Field label="Description" path="description" errors={errors}>
        {(props) => <input {...props} value={description} onChange={(event) => setDescription(event.target.value)} />}
      </Field>
      <Field label="Rule" path="rule" errors={errors} hint='A tree of {"all"|"any": [...]}, {"not": …} and {"field","op","value"} conditions (docs/profiles.md)'>
        {(props) => <textarea {...props} className="mono" rows={10} value={rule} onChange={(event) => setRule(event.target.value)} />}
      </Field>
      <label className="checkbox">
        <input type="checkbox" checked={active} onChange={(event) => setActive(event.target.checked)} /> Active (screenings use it)
      </label>
      {failure && errors.length === 0 && <ErrorBox error={failure} />}
      <div className="test-bar">
        <label>
          Test against the{" "}
          <select value={size} onChange={(event) => setSize(Number(event.target.value))} aria-label="Declarations to test against">
            {TEST_SIZES.map((value) => (
              <option key={value} value={value}>
                {value.toLocaleString("en")}
              </option>
            ))}
          </select>{" "}
          most recent stored declarations
        </label>
        <button type="button" className="button secondary" disabled={busy !== undefined} onClick={() => void runTest()}>
          Test
        </button>
      </div>
      {busy === "test" && <Loading label="Testing the draft…" />}
      {tested && <ProfileTestView test={tested.test} stale={tested.draft !== current} />}
      <div className="form-actions">
        <button type="button" className="button secondary" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button secondary" disabled={busy !== undefined}>
          Save
        </button>
        {!active && (
          <button type="button" className="button primary" disabled={busy !== undefined} onClick={() => void saveAs(true)}>
            Save and activate
          </button>
        )}
      </div>
    </form>
  );
}

export function Profiles() {
  const loaded = useLoad((signal) => api.get<{ items: Profile[] }>("/profiles", undefined, signal), []);
  const [editing, setEditing] = useState<Profile | "new">();
  const [message, setMessage] = useState<string>();
  const [failure, setFailure] = useState<Error>();
  const remove = async (profile: Profile) => {
    if (!window.confirm(`Delete the profile “${profile.name}”? Past hits keep its name.`)) return;
    try {
      await api.del(`/profiles/${profile.id}`);
      setMessage(`Deleted “${profile.name}”.`);
      loaded.reload();
    } catch (error) {
      setFailure(error as Error);
    }
  };
  return (
    <section>
      <PageHeader title="Risk profiles" subtitle="Rules over declaration fields; each adds its weight to the score of the declarations it matches.">
        <button type="button" className="button primary" onClick={() => setEditing("new")}>
          New profile
        </button>
      </PageHeader>
      {message && <Notice tone="ok">{message}</Notice>}
      {failure && <ErrorBox error={failure} />}
      {editing && (
        <ProfileEditor
          key={editing === "new" ? "new" : editing.id}
          profile={editing === "new" ? undefined : editing}
          onCancel={() => setEditing(undefined)}
          onSaved={(text) => {
            setEditing(undefined);
            setMessage(text);
            loaded.reload();
          }}
        />
      )}
      <Show loaded={loaded}>
        {(data) =>
          data.items.length === 0 ? (
            <Empty>No risk profiles yet.</Empty>
          ) : (
            <div className="table-scroll">
              <table className="data">
                <caption className="visually-hidden">Risk profiles</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Weight</th>
                    <th scope="col">Valid</th>
                    <th scope="col">Status</th>
                    <th scope="col">Rule</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((profile) => (
                    <tr key={profile.id}>
                      <td>
                        <strong>{profile.name}</strong>
                        {profile.description && <div className="muted small">{profile.description}</div>}
                      </td>
                      <td className="num">{profile.weight}</td>
                      <td>
                        {formatDate(profile.valid_from)} – {formatDate(profile.valid_to)}
                      </td>
                      <td>{profile.active ? <Badge value="active" tone="ok" /> : <Badge value="inactive" />}</td>
                      <td>
                        <code className="rule">{JSON.stringify(profile.rule)}</code>
                      </td>
                      <td className="nowrap">
                        <button type="button" className="button link" onClick={() => setEditing(profile)}>
                          Edit
                        </button>
                        <button type="button" className="button link danger" onClick={() => void remove(profile)}>
                          Delete
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Show>
    </section>
  );
}
