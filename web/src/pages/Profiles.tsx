// Risk profiles: the administration's rules over declaration fields
// (docs/profiles.md), listed, written and edited with the server's field
// errors shown where they belong (rule paths such as rule.all[0].value[1]).
import { useState, type FormEvent } from "react";
import { api, ApiError, type FieldError } from "../api";
import { Badge, Empty, ErrorBox, Field, formatDate, Notice, PageHeader, Show, useLoad } from "../ui";

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

function ProfileEditor({ profile, onSaved, onCancel }: { profile?: Profile; onSaved: () => void; onCancel: () => void }) {
  const [name, setName] = useState(profile?.name ?? "");
  const [description, setDescription] = useState(profile?.description ?? "");
  const [weight, setWeight] = useState(String(profile?.weight ?? 0.5));
  const [validFrom, setValidFrom] = useState(profile?.valid_from ?? "");
  const [validTo, setValidTo] = useState(profile?.valid_to ?? "");
  const [active, setActive] = useState(profile?.active ?? false);
  const [rule, setRule] = useState(JSON.stringify(profile?.rule ?? EXAMPLE_RULE, null, 2));
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [failure, setFailure] = useState<ApiError>();
  const save = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(undefined);
    let parsedRule: unknown;
    try {
      parsedRule = JSON.parse(rule);
    } catch {
      setErrors([{ field: "rule", message: "must be JSON" }]);
      return;
    }
    const body = {
      name,
      description,
      weight: Number(weight),
      valid_from: validFrom || null,
      valid_to: validTo || null,
      active,
      rule: parsedRule,
      ...(profile ? { version: profile.version } : {}),
    };
    try {
      if (profile) await api.put(`/profiles/${profile.id}`, body);
      else await api.post("/profiles", body);
      onSaved();
    } catch (error) {
      const problem = error as ApiError;
      setErrors(problem.errors ?? []);
      setFailure(problem);
    }
  };
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
      <div className="form-actions">
        <button type="button" className="button secondary" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button primary">
          Save profile
        </button>
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
          onSaved={() => {
            setEditing(undefined);
            setMessage("Profile saved.");
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
