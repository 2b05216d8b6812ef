// The signed-in user: the token lives in sessionStorage (one tab's session,
// gone when the tab closes); /me says who it is.
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from "react";
import { api, hasToken, setToken, SIGNED_OUT_EVENT } from "./api";
import type { Me, Role } from "./types";

interface Session {
  me: Me | null;
  checking: boolean;
  signIn: (email: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [checking, setChecking] = useState(hasToken());

  useEffect(() => {
    if (!hasToken()) return;
    api
      .get<Me>("/me")
      .then(setMe)
      .catch(() => setToken(null))
      .finally(() => setChecking(false));
  }, []);

  useEffect(() => {
    const onSignedOut = () => setMe(null);
    window.addEventListener(SIGNED_OUT_EVENT, onSignedOut);
    return () => window.removeEventListener(SIGNED_OUT_EVENT, onSignedOut);
  }, []);

  const signIn = useCallback(async (email: string, password: string) => {
    const session = await api.post<{ token: string }>("/sessions", { email, password });
    setToken(session.token);
    setMe(await api.get<Me>("/me"));
  }, []);

  const signOut = useCallback(async () => {
    try {
      await api.del("/sessions/current");
    } catch {
      // The token is dropped either way.
    }
    setToken(null);
    setMe(null);
  }, []);

  return <SessionContext.Provider value={{ me, checking, signIn, signOut }}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}

export function useMe(): Me {
  const { me } = useSession();
  if (!me) throw new Error("not signed in");
  return me;
}

export const ROLE_LABELS: Record<Role, string> = {
  admin: "Administrator",
  ipr_officer: "IPR officer",
  risk_analyst: "Risk analyst",
  frontline_officer: "Frontline officer",
  right_holder_rep: "Right holder",
  agency_reader: "Agency reader",
  secretariat_analyst: "Secretariat analyst",
};

// What the caller's role may do, as the API enforces it (README route table).
export function can(me: Me, what: string): boolean {
  const role = me.user.role;
  const customs = me.organisation.kind === "customs";
  const holder = me.organisation.kind === "right_holder";
  switch (what) {
    case "applications":
      return (customs && (role === "admin" || role === "ipr_officer")) || holder;
    case "file_application":
      return holder && (role === "right_holder_rep" || role === "admin");
    case "decide_application":
    case "open_case":
    case "act_for_customs":
      return customs && (role === "ipr_officer" || role === "admin");
    case "cases":
      return customs || holder;
    case "selections":
      return customs && ["admin", "ipr_officer", "risk_analyst", "frontline_officer"].includes(role);
    case "record_finding":
      return customs && ["admin", "ipr_officer", "frontline_officer"].includes(role);
    case "screen":
    case "profiles":
    case "models":
      return customs && (role === "admin" || role === "risk_analyst");
    case "notices":
      return role === "admin" || role === "ipr_officer" || role === "right_holder_rep";
    case "statistics":
      // docs/stats.md: the customs administration's own figures.
      return customs && ["admin", "risk_analyst", "ipr_officer", "frontline_officer"].includes(role);
    case "exchange":
      // docs/exchange.md: the administration's messages.
      return customs && ["admin", "risk_analyst", "ipr_officer", "frontline_officer"].includes(role);
    case "audit":
      return customs && (role === "admin" || role === "ipr_officer");
    default:
      return false;
  }
}
