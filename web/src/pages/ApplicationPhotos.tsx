// Photos of the authentic goods on an application for action (docs/
// applications.md, "Photos"): the right holder adds and removes them while
// the application is a draft or submitted; customs see them beside the
// authentic features. The bytes are fetched with the session's token and
// shown from object URLs; they are stored exactly as uploaded.
import { useEffect, useId, useState, type FormEvent } from "react";
import { api, ApiError, requestBlob, type FieldError } from "../api";
import { Empty, ErrorBox, Field, formatDateTime, Show, useLoad } from "../ui";
import { MAX_PHOTOS, PHOTO_TYPES, photoProblem } from "../validation";

export interface Photo {
  id: string;
  application_id: string;
  media_type: string;
  size: number;
  sha256: string;
  filename: string;
  description: string;
  created_at: string;
}

function Thumbnail({ photo, onRemove }: { photo: Photo; onRemove?: () => void }) {
  const [url, setUrl] = useState<string>();
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    const controller = new AbortController();
    let made: string | undefined;
    requestBlob(`/applications/${photo.application_id}/photos/${photo.id}`, controller.signal)
      .then((blob) => {
        made = URL.createObjectURL(blob);
        setUrl(made);
      })
      .catch((error: Error) => {
        if (error.name !== "AbortError") setFailed(true);
      });
    return () => {
      controller.abort();
      if (made) URL.revokeObjectURL(made);
    };
  }, [photo.application_id, photo.id]);
  return (
    <figure className="photo" data-photo={photo.filename}>
      {url ? <img src={url} alt={photo.description || photo.filename} /> : <div className="photo-placeholder">{failed ? "cannot be shown" : "loading…"}</div>}
      <figcaption>
        <span className="break">{photo.description || photo.filename}</span>
        <span className="muted small">
          {photo.filename} · {(photo.size / 1024).toFixed(0)} KiB · {formatDateTime(photo.created_at)}
        </span>
        {url && (
          <a href={url} download={photo.filename} className="small">
            Download
          </a>
        )}
        {onRemove && (
          <button type="button" className="button link danger" onClick={onRemove}>
            Remove
          </button>
        )}
      </figcaption>
    </figure>
  );
}

export function ApplicationPhotos({ applicationId, editable }: { applicationId: string; editable: boolean }) {
  const loaded = useLoad((signal) => api.get<{ items: Photo[] }>(`/applications/${applicationId}/photos`, undefined, signal), [applicationId]);
  const [files, setFiles] = useState<File[]>([]);
  const [description, setDescription] = useState("");
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [failure, setFailure] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const inputKey = useId();
  const [generation, setGeneration] = useState(0);
  const choose = (list: FileList | null) => {
    const chosen = Array.from(list ?? []);
    setFiles(chosen);
    setFailure(undefined);
    setErrors(chosen.flatMap((file) => (photoProblem(file) ? [{ field: "photo", message: `${file.name}: ${photoProblem(file)}` }] : [])));
  };
  const upload = async (event: FormEvent) => {
    event.preventDefault();
    if (files.length === 0) {
      setErrors([{ field: "photo", message: "choose a JPEG, PNG or WebP image" }]);
      return;
    }
    if (errors.length) return;
    setBusy(true);
    setFailure(undefined);
    try {
      for (const file of files) {
        await api.upload(`/applications/${applicationId}/photos`, file, file.type, { filename: file.name, description: description.trim() || undefined });
      }
      setFiles([]);
      setDescription("");
      setGeneration((value) => value + 1);
      loaded.reload();
    } catch (error) {
      const problem = error as ApiError;
      // The server names content_type / content / filename: shown at the file input.
      if (problem.errors?.length) setErrors(problem.errors.map((item) => ({ field: item.field === "description" ? "description" : "photo", message: item.message })));
      else setFailure(problem);
      loaded.reload();
    } finally {
      setBusy(false);
    }
  };
  const remove = async (photo: Photo) => {
    if (!window.confirm(`Remove the photo “${photo.filename}”?`)) return;
    try {
      await api.del(`/applications/${applicationId}/photos/${photo.id}`);
      loaded.reload();
    } catch (error) {
      setFailure(error as Error);
    }
  };
  return (
    <section className="card" aria-labelledby="photos-title" data-testid="application-photos">
      <h2 id="photos-title">Photos of the authentic goods</h2>
      <Show loaded={loaded} label="Loading the photos…">
        {(data) => (
          <>
            {data.items.length === 0 ? (
              <Empty>No photos{editable ? " yet: add photos that show how the authentic goods, labels and packaging look." : "."}</Empty>
            ) : (
              <div className="photo-grid">
                {data.items.map((photo) => (
                  <Thumbnail key={photo.id} photo={photo} onRemove={editable ? () => void remove(photo) : undefined} />
                ))}
              </div>
            )}
            {editable && data.items.length < MAX_PHOTOS && (
              <form className="row" onSubmit={upload} noValidate>
                <Field label="Photo (JPEG, PNG or WebP, at most 5 MiB)" path="photo" errors={errors}>
                  {(props) => <input key={`${inputKey}-${generation}`} {...props} type="file" accept={PHOTO_TYPES.join(",")} multiple onChange={(event) => choose(event.target.files)} />}
                </Field>
                <Field label="What it shows" path="description" errors={errors}>
                  {(props) => <input {...props} value={description} maxLength={1000} onChange={(event) => setDescription(event.target.value)} />}
                </Field>
                <div className="form-actions">
                  <button type="submit" className="button secondary" disabled={busy}>
                    {busy ? "Uploading…" : "Add photo"}
                  </button>
                </div>
              </form>
            )}
          </>
        )}
      </Show>
      {failure && <ErrorBox error={failure} />}
    </section>
  );
}
