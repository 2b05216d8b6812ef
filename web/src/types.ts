// The API's shapes, as far as the dashboard reads them (docs/*.md).

export type Role =
  | "admin"
  | "ipr_officer"
  | "risk_analyst"
  | "frontline_officer"
  | "right_holder_rep"
  | "agency_reader"
  | "secretariat_analyst";

export interface Organisation {
  id: string;
  name: string;
  kind: "customs" | "right_holder" | "agency" | "secretariat";
  country: string;
  jurisdiction?: string;
  offices?: string[];
}

export interface Me {
  user: { id: string; email: string; name: string; role: Role };
  organisation: Organisation;
}

export interface Party {
  name: string;
  address?: string;
  country?: string;
  role?: string;
}

export interface Right {
  type: string;
  registration?: string;
  office?: string;
  marks?: string[];
  nice_classes?: number[];
  expires_on?: string | null;
}

export interface Application {
  id: string;
  kind: "national" | "union";
  status: string;
  holder_org_id: string;
  filed_with: string;
  member_states: string[];
  holder: { name: string; address: string; country: string };
  contacts: { name: string; email: string; phone: string }[];
  representative: Party | null;
  rights: Right[];
  goods: { description: string; hs: string[] }[];
  authentic_features: string;
  product_codes: string[];
  authorised_parties: Party[];
  known_routes: string[];
  known_infringers: Party[];
  small_consignments: boolean;
  accepts_liability_and_costs: boolean;
  submitted_at: string | null;
  decided_at: string | null;
  valid_until: string | null;
  decision_reason: string;
  renewal: { requested_at: string; status: string; previous_valid_until: string; reason: string } | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface Hit {
  kind: "mark" | "profile" | "watchlist" | "small_consignment" | "model";
  weight: number;
  item?: number;
  field?: string;
  mark?: string;
  application?: string;
  found?: string;
  distance?: number;
  relevance?: string;
  authorised?: boolean;
  name?: string;
  profile?: string;
  party?: string;
  similarity?: number;
  entry?: string;
  probability?: number;
  [key: string]: unknown;
}

export interface ScreeningResult {
  id: string;
  score: number;
  channel: "red" | "yellow" | "green";
  selected: boolean;
  office: string;
  hits: Hit[];
}

export interface Selection extends ScreeningResult {
  declaration_id: string;
  status: "open" | "done";
  created_at: string;
  run_id: string;
  profiles: string[];
  finding: { outcome: string; notes: string; recorded_at?: string; recorded_by?: string; [k: string]: unknown } | null;
}

export interface AllowedAction {
  action: string;
  party: string;
  to: string;
  reference: string;
}

export interface CaseGoods {
  description: string;
  hs: string;
  quantity: number;
  unit: string;
  product_category: string;
  ipr_type: string;
  mark?: string;
  estimated_value_eur?: number;
}

export interface HistoryEvent {
  seq: number;
  at: string;
  party: string;
  action: string;
  from: string | null;
  to: string | null;
  detail: Record<string, unknown> | null;
}

export interface Case {
  id: string;
  office: string;
  procedure: "application" | "ex_officio";
  application_id: string | null;
  declaration_id: string | null;
  selection_id?: string | null;
  state: string;
  state_description: string;
  open: boolean;
  perishable: boolean;
  small_consignment: boolean;
  suspended_on: string;
  notified_on: string;
  deadlines: Record<string, string>;
  next_deadline: { name: string; due: string; on_expiry: string; overdue: boolean } | null;
  allowed_actions: AllowedAction[];
  declarant: Party | null;
  holder_of_goods: Party | null;
  parties_disclosed: boolean;
  goods: CaseGoods[];
  destruction: Record<string, unknown> | null;
  release: Record<string, unknown> | null;
  handover: Record<string, unknown> | null;
  proceedings: Record<string, unknown> | null;
  costs: { items: unknown[]; total_eur: number };
  history?: HistoryEvent[];
  notices?: (Notice & { recipient_role?: string; deliveries?: { channel?: string; status?: string; [key: string]: unknown }[] })[];
  evidence?: { id: string; filename: string; media_type: string; size: number; sha256: string; description: string; created_at: string }[];
  created_at: string;
  updated_at: string;
  version: number;
}

export interface Notice {
  id: string;
  kind: string;
  subject: string;
  body: string;
  created_at: string;
  read_at: string | null;
  due_by: string | null;
  object: { id: string; type: string } | null;
  sender_org_id: string;
  recipient_org_id: string;
  data?: Record<string, unknown>;
}
