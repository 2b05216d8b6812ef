// Client-side checks of an application body, the same rules and messages as
// the server's (src/rights/application_json.cc, docs/applications.md), so a
// right holder sees every problem at its field before sending. The server
// stays the authority: what it reports is shown at the same fields.
import type { FieldError } from "./api";

// ISO 3166-1 alpha-2, officially assigned (src/core/codes.cc).
export const COUNTRIES = (
  "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
  "CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
  "GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP " +
  "KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT " +
  "MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW " +
  "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG " +
  "UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"
).split(" ");
const COUNTRY_SET = new Set(COUNTRIES);

export const RIGHT_TYPES = [
  "trademark",
  "design",
  "copyright",
  "patent",
  "geographical_indication",
  "plant_variety",
  "utility_model",
  "topography",
  "trade_name",
];

const MAX_CHARS = 1000;
const MAX_LONG_CHARS = 10000;
const MAX_ENTRIES = 1000;

export const MESSAGES = {
  required: "is required",
  country: "must be an ISO 3166-1 alpha-2 country code",
  nice: "must be a Nice class between 1 and 45",
  hs: "must be 2 to 10 digits",
  email: "must be an e-mail address",
  date: "must be a date in the form YYYY-MM-DD",
  rightType: `must be one of: ${RIGHT_TYPES.join(", ")}`,
  kind: "must be one of: national, union",
};

export function isCountry(code: string): boolean {
  return COUNTRY_SET.has(code);
}

export function isEmail(text: string): boolean {
  const at = text.indexOf("@");
  if (at <= 0 || text.indexOf("@", at + 1) !== -1) return false;
  const domain = text.slice(at + 1);
  const dot = domain.indexOf(".");
  if (!domain || dot <= 0 || domain.endsWith(".")) return false;
  return !/[ \t\n\r]/.test(text);
}

export function isDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const [year, month, day] = text.split("-").map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

const blank = (value: unknown) => typeof value !== "string" || value.trim() === "";
const length = (value: string) => [...value].length;

export interface ApplicationBody {
  kind?: string;
  member_states?: string[];
  filed_with?: string;
  holder?: { name?: string; address?: string; country?: string };
  contacts?: { name?: string; email?: string; phone?: string }[];
  representative?: { name?: string; address?: string; country?: string } | null;
  rights?: { type?: string; registration?: string; office?: string; marks?: string[]; nice_classes?: (number | string)[]; expires_on?: string | null }[];
  goods?: { description?: string; hs?: string[] }[];
  authentic_features?: string;
  product_codes?: string[];
  authorised_parties?: { name?: string; address?: string; country?: string; role?: string }[];
  known_routes?: string[];
  known_infringers?: { name?: string; address?: string; country?: string; role?: string }[];
  small_consignments?: boolean;
  accepts_liability_and_costs?: boolean;
}

// Every problem of the body, by JSON path. forSubmit adds the checks of
// submitting (docs/applications.md, "Submitting").
export function validateApplication(body: ApplicationBody, forSubmit: boolean): FieldError[] {
  const errors: FieldError[] = [];
  const add = (field: string, message: string) => errors.push({ field, message });
  const text = (value: string | undefined, path: string, max = MAX_CHARS) => {
    if (typeof value === "string" && length(value) > max) add(path, `must be at most ${max} characters`);
  };
  const country = (value: string | undefined, path: string) => {
    if (value !== undefined && value !== "" && !isCountry(value)) add(path, MESSAGES.country);
  };
  const list = (value: unknown[] | undefined, path: string) => {
    if (value && value.length > MAX_ENTRIES) add(path, `must have at most ${MAX_ENTRIES} entries`);
  };
  const party = (value: { name?: string; address?: string; country?: string; role?: string }, path: string) => {
    if (blank(value.name)) add(`${path}.name`, MESSAGES.required);
    text(value.name, `${path}.name`);
    text(value.address, `${path}.address`);
    text(value.role, `${path}.role`);
    country(value.country, `${path}.country`);
  };

  if (body.kind !== undefined && body.kind !== "national" && body.kind !== "union") add("kind", MESSAGES.kind);
  if (body.kind === "union") {
    if (!body.member_states || body.member_states.length === 0) add("member_states", MESSAGES.required);
  }
  (body.member_states ?? []).forEach((code, index) => country(code, `member_states[${index}]`));

  const holder = body.holder ?? {};
  if (blank(holder.name)) add("holder.name", MESSAGES.required);
  text(holder.name, "holder.name");
  text(holder.address, "holder.address");
  if (blank(holder.country)) add("holder.country", MESSAGES.required);
  else country(holder.country, "holder.country");

  list(body.contacts, "contacts");
  (body.contacts ?? []).forEach((contact, index) => {
    const path = `contacts[${index}]`;
    if (blank(contact.name)) add(`${path}.name`, MESSAGES.required);
    text(contact.name, `${path}.name`);
    if (contact.email && !isEmail(contact.email)) add(`${path}.email`, MESSAGES.email);
    text(contact.phone, `${path}.phone`);
  });
  if (body.representative) party(body.representative, "representative");

  list(body.rights, "rights");
  (body.rights ?? []).forEach((right, index) => {
    const path = `rights[${index}]`;
    if (blank(right.type)) add(`${path}.type`, MESSAGES.required);
    else if (!RIGHT_TYPES.includes(right.type!)) add(`${path}.type`, MESSAGES.rightType);
    text(right.registration, `${path}.registration`);
    text(right.office, `${path}.office`);
    (right.marks ?? []).forEach((mark, markIndex) => {
      if (blank(mark)) add(`${path}.marks[${markIndex}]`, MESSAGES.required);
      text(mark, `${path}.marks[${markIndex}]`);
    });
    (right.nice_classes ?? []).forEach((value, classIndex) => {
      if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 45) {
        add(`${path}.nice_classes[${classIndex}]`, MESSAGES.nice);
      }
    });
    if (right.expires_on && !isDate(right.expires_on)) add(`${path}.expires_on`, MESSAGES.date);
  });

  list(body.goods, "goods");
  (body.goods ?? []).forEach((goods, index) => {
    const path = `goods[${index}]`;
    if (blank(goods.description)) add(`${path}.description`, MESSAGES.required);
    text(goods.description, `${path}.description`);
    (goods.hs ?? []).forEach((code, codeIndex) => {
      if (!/^\d{2,10}$/.test(code)) add(`${path}.hs[${codeIndex}]`, MESSAGES.hs);
    });
  });
  text(body.authentic_features, "authentic_features", MAX_LONG_CHARS);
  (body.authorised_parties ?? []).forEach((value, index) => party(value, `authorised_parties[${index}]`));
  (body.known_infringers ?? []).forEach((value, index) => party(value, `known_infringers[${index}]`));

  if (forSubmit) {
    if (body.accepts_liability_and_costs !== true) {
      add(
        "accepts_liability_and_costs",
        "must be true to submit: the holder must accept liability and costs (Regulation (EU) No 608/2013 Art. 6(3)(q), Art. 29)",
      );
    }
    if (blank(holder.address)) add("holder.address", "is required to submit");
    if (!body.contacts || body.contacts.length === 0) add("contact", "is required to submit (give contact or contacts)");
    (body.contacts ?? []).forEach((contact, index) => {
      if (blank(contact.email) && blank(contact.phone)) {
        add(`contacts[${index}].email`, "an e-mail address or a phone number is required to submit");
      }
    });
    if (!body.rights || body.rights.length === 0) add("rights", "at least one right is required to submit");
    (body.rights ?? []).forEach((right, index) => {
      if (blank(right.registration)) add(`rights[${index}].registration`, "is required to submit");
      if (right.type === "trademark" && (!right.marks || right.marks.length === 0)) {
        add(`rights[${index}].marks`, "a trademark needs at least one mark to submit");
      }
    });
    if (!body.goods || body.goods.length === 0) add("goods", "at least one goods entry is required to submit");
  }
  return errors;
}

// The latest valid_until a grant decided today may have (Regulation (EU)
// No 608/2013 Art. 11(1), counted per Regulation 1182/71): the same date one
// year later; from 29 February, 28 February.
export function latestGrantDate(today: string): string {
  const [year, month, day] = today.split("-").map(Number);
  const next = year + 1;
  const lastDay = new Date(Date.UTC(next, month, 0)).getUTCDate();
  const clamped = Math.min(day, lastDay);
  return `${next}-${String(month).padStart(2, "0")}-${String(clamped).padStart(2, "0")}`;
}

// Photos of the authentic goods, as the server checks them (docs/
// applications.md, "Photos"); the server also checks the file's first bytes.
export const PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"];
export const MAX_PHOTO_BYTES = 5 * 1024 * 1024;
export const MAX_PHOTOS = 20;

export function photoProblem(file: { type: string; size: number }): string | undefined {
  if (!PHOTO_TYPES.includes(file.type)) return "must be a JPEG, PNG or WebP image";
  if (file.size === 0) return "must not be empty";
  if (file.size > MAX_PHOTO_BYTES) return `must be at most 5 MiB (is ${(file.size / 1024 / 1024).toFixed(1)} MiB)`;
  return undefined;
}
