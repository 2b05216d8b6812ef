import { describe, expect, it } from "vitest";
import { isDate, isEmail, latestGrantDate, MAX_PHOTO_BYTES, photoProblem, validateApplication } from "./validation";

// The body of docs/applications.md's example: the server accepts it, so must we.
const example = {
  kind: "national",
  holder: { name: "Zentra Sportswear GmbH", address: "Musterstr. 1, 10115 Berlin", country: "DE" },
  contacts: [{ name: "Ana Example", email: "legal@zentra.demo", phone: "+49 30 1234567" }],
  rights: [{ type: "trademark", registration: "EUTM 018000001", office: "EUIPO", marks: ["ZENTRA"], nice_classes: [25, 28], expires_on: "2031-05-01" }],
  goods: [{ description: "sports footwear and apparel", hs: ["6402", "6403", "6404", "6109", "6110"] }],
  authentic_features: "Woven label inside the tongue; hologram on the box",
  product_codes: ["4006381"],
  authorised_parties: [{ name: "Zentra Logistics B.V.", country: "NL", role: "importer" }],
  small_consignments: true,
  accepts_liability_and_costs: true,
};

const fields = (errors: { field: string }[]) => errors.map((error) => error.field);

describe("validateApplication", () => {
  it("accepts the documented example, for create and submit", () => {
    expect(validateApplication(example, false)).toEqual([]);
    expect(validateApplication(example, true)).toEqual([]);
  });

  it("names every bad field by its JSON path, with the server's messages", () => {
    const errors = validateApplication(
      {
        ...example,
        holder: { name: "", country: "de" },
        contacts: [{ name: "A", email: "not-an-address" }],
        rights: [{ type: "trademark", marks: ["ZENTRA"], nice_classes: [25, 46] }],
        goods: [{ description: "shoes", hs: ["6402", "64x"] }],
      },
      false,
    );
    expect(errors).toEqual([
      { field: "holder.name", message: "is required" },
      { field: "holder.country", message: "must be an ISO 3166-1 alpha-2 country code" },
      { field: "contacts[0].email", message: "must be an e-mail address" },
      { field: "rights[0].nice_classes[1]", message: "must be a Nice class between 1 and 45" },
      { field: "goods[0].hs[1]", message: "must be 2 to 10 digits" },
    ]);
  });

  it("reports what submitting needs only when submitting", () => {
    const draft = { holder: { name: "Zentra", country: "DE" } };
    expect(validateApplication(draft, false)).toEqual([]);
    expect(fields(validateApplication(draft, true))).toEqual([
      "accepts_liability_and_costs",
      "holder.address",
      "contact",
      "rights",
      "goods",
    ]);
    const noMarks = { ...example, rights: [{ type: "trademark", registration: "" }], contacts: [{ name: "A" }] };
    expect(fields(validateApplication(noMarks, true))).toEqual(["contacts[0].email", "rights[0].registration", "rights[0].marks"]);
  });
});

describe("formats", () => {
  it("checks e-mail addresses as the server does", () => {
    expect(isEmail("legal@zentra.demo")).toBe(true);
    for (const bad of ["@x.de", "a@b", "a@.de", "a@b.", "a b@c.de", "a@b@c.de"]) expect(isEmail(bad)).toBe(false);
  });
  it("accepts real calendar days only", () => {
    expect(isDate("2028-02-29")).toBe(true);
    expect(isDate("2027-02-29")).toBe(false);
    expect(isDate("2027-2-1")).toBe(false);
  });
  it("limits a grant to one year from the day after the decision (Art. 11(1))", () => {
    expect(latestGrantDate("2026-03-10")).toBe("2027-03-10");
    expect(latestGrantDate("2028-02-29")).toBe("2029-02-28");
  });
});

describe("photos", () => {
  it("takes JPEG, PNG and WebP up to 5 MiB, as the server does", () => {
    for (const type of ["image/jpeg", "image/png", "image/webp"]) expect(photoProblem({ type, size: 1000 })).toBeUndefined();
    expect(photoProblem({ type: "image/png", size: MAX_PHOTO_BYTES })).toBeUndefined();
    expect(photoProblem({ type: "image/png", size: MAX_PHOTO_BYTES + 1 })).toMatch(/at most 5 MiB/);
    expect(photoProblem({ type: "image/gif", size: 10 })).toMatch(/JPEG, PNG or WebP/);
    expect(photoProblem({ type: "", size: 10 })).toMatch(/JPEG, PNG or WebP/);
    expect(photoProblem({ type: "image/png", size: 0 })).toMatch(/empty/);
  });
});
