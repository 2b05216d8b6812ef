import { useState, type FormEvent } from "react";
import { ApiError } from "../api";
import { useSession } from "../auth";

export function SignIn() {
  const { signIn } = useSession();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(email.trim(), password);
    } catch (reason) {
      const problem = reason as ApiError;
      setError(problem.status === 401 ? "The e-mail address or the password is wrong." : problem.message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="signin-page">
      <main className="signin-card" id="main">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true">
            C
          </span>
          <span>
            Cordon <small>IPR border enforcement</small>
          </span>
        </div>
        <h1>Sign in</h1>
        <form onSubmit={submit} noValidate>
          <div className="field">
            <label htmlFor="email">E-mail address</label>
            <input
              id="email"
              type="email"
              autoComplete="username"
              autoFocus
              required
              value={email}
              onChange={(event) => setEmail(event.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="password">Password</label>
            <input
              id="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(event) => setPassword(event.target.value)}
            />
          </div>
          {error && (
            <div className="field-error" role="alert">
              {error}
            </div>
          )}
          <button type="submit" className="button primary wide" disabled={busy || !email || !password}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
        </form>
        <p className="muted small">
          Authorised users of customs administrations, right holders and partner agencies only. Every action is recorded in
          a tamper-evident audit log.
        </p>
      </main>
    </div>
  );
}
