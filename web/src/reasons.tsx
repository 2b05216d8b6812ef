// A screening hit in words an officer reads (docs/screening.md, "Checks and hits").
import type { Hit } from "./types";

export function hitText(hit: Hit): string {
  const item = hit.item !== undefined ? `item ${hit.item + 1}` : "";
  switch (hit.kind) {
    case "mark": {
      const disguised = hit.found && hit.mark && hit.found.toUpperCase() !== hit.mark.toUpperCase() && !hit.mark.toUpperCase().includes(hit.found.toUpperCase());
      const how = hit.distance ? `${hit.distance} typing change${hit.distance > 1 ? "s" : ""} away` : disguised ? "disguised spelling" : "exact";
      const relevance = hit.relevance ? String(hit.relevance).replace(/_/g, " ") : "";
      return `Recorded mark ${hit.mark} found as "${hit.found}" in ${item} ${hit.field ?? ""} (${how}; ${relevance})${hit.authorised ? " — authorised party, no weight" : ""}`;
    }
    case "profile":
      return `Risk profile "${hit.name}" holds${item ? ` for ${item}` : ""}`;
    case "watchlist":
      return `The ${hit.party} "${hit.found}" matches watchlist entry "${hit.name}" (similarity ${Number(hit.similarity ?? 0).toFixed(2)})`;
    case "small_consignment":
      return "Small consignment: postal or express, at most 3 units or under 2 kg (Art. 2(19), Art. 26)";
    case "model":
      return `Targeting model: probability ${Number(hit.probability ?? 0).toFixed(3)} that an inspection finds an irregularity`;
    default:
      return String(hit.kind);
  }
}

export function Reasons({ hits }: { hits: Hit[] }) {
  if (hits.length === 0) return <span className="muted">no hits</span>;
  return (
    <ul className="reasons">
      {hits.map((hit, index) => (
        <li key={index} className={`reason reason-${hit.kind}`}>
          <span className="reason-kind">{hit.kind.replace("_", " ")}</span> {hitText(hit)} <span className="weight">w {hit.weight.toFixed(2)}</span>
        </li>
      ))}
    </ul>
  );
}
