// The shell: header with the user and organisation, navigation for the
// caller's role, and the page for the current path.
import { lazy, Suspense, useEffect, useRef, type ReactNode } from "react";
import { can, ROLE_LABELS, useSession } from "./auth";
import { Link, match, navigate, useLocation } from "./router";
import type { Me } from "./types";
import { Loading } from "./ui";
import { SignIn } from "./pages/SignIn";
import { Home } from "./pages/Home";
import { ApplicationEdit, ApplicationsList, ApplicationView } from "./pages/Applications";
import { CaseOpen, CasesList, CaseView } from "./pages/Cases";
import { SelectionsList, SelectionView } from "./pages/Selections";
import { Screening } from "./pages/Screening";
import { Profiles } from "./pages/Profiles";
import { Models } from "./pages/Models";
import { Notices } from "./pages/Notices";
import { Audit } from "./pages/Audit";
import { Exchange } from "./pages/Exchange";

// The statistics page brings ECharts; it loads only when opened.
const Statistics = lazy(() => import("./pages/Statistics"));

interface Route {
  pattern: string;
  render: (params: Record<string, string>, query: URLSearchParams) => ReactNode;
}

const ROUTES: Route[] = [
  { pattern: "/", render: () => <Home /> },
  { pattern: "/applications", render: () => <ApplicationsList /> },
  { pattern: "/applications/new", render: () => <ApplicationEdit /> },
  { pattern: "/applications/:id", render: (p) => <ApplicationView id={p.id} /> },
  { pattern: "/applications/:id/edit", render: (p) => <ApplicationEdit id={p.id} /> },
  { pattern: "/cases", render: () => <CasesList /> },
  { pattern: "/cases/new", render: (_p, q) => <CaseOpen selectionId={q.get("selection") ?? undefined} /> },
  { pattern: "/cases/:id", render: (p) => <CaseView id={p.id} /> },
  { pattern: "/selections", render: () => <SelectionsList /> },
  { pattern: "/selections/:id", render: (p) => <SelectionView id={p.id} /> },
  { pattern: "/screening", render: () => <Screening /> },
  { pattern: "/profiles", render: () => <Profiles /> },
  { pattern: "/models", render: () => <Models /> },
  { pattern: "/notices", render: () => <Notices /> },
  { pattern: "/audit", render: () => <Audit /> },
  { pattern: "/exchange", render: () => <Exchange /> },
  { pattern: "/statistics", render: () => <Statistics /> },
];

interface NavItem {
  to: string;
  label: string;
  allowed: (me: Me) => boolean;
}

const NAV: NavItem[] = [
  { to: "/", label: "Home", allowed: () => true },
  { to: "/applications", label: "Applications", allowed: (me) => can(me, "applications") },
  { to: "/cases", label: "Cases", allowed: (me) => can(me, "cases") },
  { to: "/selections", label: "Selection queue", allowed: (me) => can(me, "selections") },
  { to: "/screening", label: "Screening", allowed: (me) => can(me, "screen") },
  { to: "/profiles", label: "Risk profiles", allowed: (me) => can(me, "profiles") },
  { to: "/models", label: "Models", allowed: (me) => can(me, "models") },
  { to: "/statistics", label: "Statistics", allowed: (me) => can(me, "statistics") },
  { to: "/exchange", label: "Exchange", allowed: (me) => can(me, "exchange") },
  { to: "/notices", label: "Notices", allowed: (me) => can(me, "notices") },
  { to: "/audit", label: "Audit log", allowed: (me) => can(me, "audit") },
];

function isActive(to: string, path: string): boolean {
  return to === "/" ? path === "/" : path === to || path.startsWith(`${to}/`);
}

export function App() {
  const { me, checking, signOut } = useSession();
  const location = useLocation();
  const mainRef = useRef<HTMLElement>(null);

  // A new page starts at the top (its heading takes the focus: PageHeader).
  useEffect(() => {
    window.scrollTo(0, 0);
  }, [location.path]);

  if (checking) return <Loading label="Checking your session…" />;
  if (!me) return <SignIn />;

  let page: ReactNode = null;
  for (const route of ROUTES) {
    const params = match(route.pattern, location.path);
    if (params) {
      page = route.render(params, location.query);
      break;
    }
  }
  if (!page) {
    page = (
      <section>
        <h1 tabIndex={-1}>Page not found</h1>
        <p>
          There is no page at <code>{location.path}</code>. <Link to="/">Go to the home page</Link>.
        </p>
      </section>
    );
  }

  const items = NAV.filter((item) => item.allowed(me));
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand" aria-label="Cordon home">
          <span className="brand-mark" aria-hidden="true">
            C
          </span>
          <span>
            Cordon <small>IPR border enforcement</small>
          </span>
        </Link>
        <div className="who" data-testid="who">
          <span className="who-name">{me.user.name || me.user.email}</span>
          <span className="who-role">
            {ROLE_LABELS[me.user.role]} · {me.organisation.name}
          </span>
        </div>
        <button
          type="button"
          className="button secondary"
          onClick={async () => {
            await signOut();
            navigate("/", true);
          }}
        >
          Sign out
        </button>
      </header>
      <nav className="sidenav" aria-label="Main">
        <ul>
          {items.map((item) => (
            <li key={item.to}>
              <Link to={item.to} aria-current={isActive(item.to, location.path) ? "page" : undefined}>
                {item.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" ref={mainRef} className="content">
        <Suspense fallback={<Loading label="Loading the page…" />}>{page}</Suspense>
      </main>
    </div>
  );
}
