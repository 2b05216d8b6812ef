// Screening results as JSON Lines, written by hand: this runs once per
// declaration at hundreds of thousands of declarations per second, where
// building a DOM per line would cost more than the screening itself (and
// where each append to a std::string counts: see JsonWriter in
// json_writer.h). The output is always valid JSON: strings are escaped per
// RFC 8259 and bytes that are not valid UTF-8 (CSV input is not validated)
// become U+FFFD.
#include <cmath>
#include <string>

#include "screening/json_writer.h"
#include "screening/screening.h"

namespace cordon {
namespace {

using json_internal::JsonWriter;

void WriteHit(const ScreeningHit& hit, JsonWriter& out) {
  out.Literal("{\"kind\":");
  out.String(hit.kind);
  if (hit.item >= 0) {
    out.Literal(",\"item\":");
    out.Integer(hit.item);
  }
  const std::string_view kind = hit.kind;
  if (kind == "mark") {
    out.Literal(",\"field\":");
    out.String(hit.field);
    out.Literal(",\"mark\":");
    out.String(hit.mark);
    out.Literal(",\"application\":");
    out.String(hit.application);
    out.Literal(",\"found\":");
    out.String(hit.found);
    out.Literal(",\"distance\":");
    out.Integer(hit.distance);
    out.Literal(",\"relevance\":");
    out.String(hit.relevance);
    out.Literal(",\"authorised\":");
    out.Bool(hit.authorised);
  } else if (kind == "profile") {
    out.Literal(",\"profile\":");
    out.String(hit.profile);
    out.Literal(",\"name\":");
    out.String(hit.name);
  } else if (kind == "watchlist") {
    out.Literal(",\"entry\":");
    out.String(hit.entry);
    out.Literal(",\"name\":");
    out.String(hit.name);
    out.Literal(",\"party\":");
    out.String(hit.party);
    out.Literal(",\"found\":");
    out.String(hit.found);
    out.Literal(",\"similarity\":");
    out.Number(hit.similarity);
  } else if (kind == "model") {
    out.Literal(",\"model\":");
    out.String(hit.name);
    if (!hit.reason.empty()) {
      out.Literal(",\"reason\":");
      out.String(hit.reason);
    }
    out.Literal(",\"probability\":");
    out.Number(hit.probability);
    out.Literal(",\"bias\":");
    out.Number(hit.bias);
    out.Literal(",\"contributions\":[");
    for (size_t index = 0; index < hit.contributions.size(); ++index) {
      const targeting::Contribution& contribution = hit.contributions[index];
      if (index > 0) out.Char(',');
      out.Literal("{\"feature\":");
      out.String(contribution.feature);
      out.Literal(",\"value\":");
      if (std::isnan(contribution.value)) {
        out.Literal("null");
      } else {
        out.Number(contribution.value);
      }
      out.Literal(",\"contribution\":");
      out.Number(contribution.contribution);
      out.Literal(",\"detail\":");
      out.String(contribution.detail);
      out.Char('}');
    }
    out.Char(']');
  } else if (!hit.reason.empty()) {
    out.Literal(",\"reason\":");
    out.String(hit.reason);
  }
  out.Literal(",\"weight\":");
  out.Number(hit.weight);
  out.Char('}');
}

}  // namespace

void AppendResultJson(const ScreeningResult& result, std::string* out) {
  JsonWriter writer(out);
  writer.Literal("{\"id\":");
  writer.String(result.id);
  writer.Literal(",\"score\":");
  writer.Number(result.score);
  writer.Literal(",\"channel\":");
  writer.String(result.channel);
  writer.Literal(",\"selected\":");
  writer.Bool(result.selected);
  writer.Literal(",\"office\":");
  writer.String(result.office);
  writer.Literal(",\"hits\":[");
  for (size_t index = 0; index < result.hits.size(); ++index) {
    if (index > 0) writer.Char(',');
    WriteHit(result.hits[index], writer);
  }
  writer.Literal("]}");
  writer.Finish();
}

void AppendReadErrorJson(const ReadError& error, std::string* out) {
  JsonWriter writer(out);
  writer.Literal("{\"line\":");
  writer.Integer(error.line);
  writer.Literal(",\"id\":");
  if (error.id.empty()) {
    writer.Literal("null");
  } else {
    writer.String(error.id);
  }
  writer.Literal(",\"error\":");
  writer.String(error.reason);
  writer.Char('}');
  writer.Finish();
}

}  // namespace cordon
