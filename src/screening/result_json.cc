// Screening results as JSON Lines, written by hand: this runs once per
// declaration at hundreds of thousands of declarations per second, where
// building a DOM per line would cost more than the screening itself. The
// output is always valid JSON: strings are escaped per RFC 8259 and bytes that
// are not valid UTF-8 (CSV input is not validated) become U+FFFD.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "screening/screening.h"

namespace cordon {
namespace {

// Length of the valid UTF-8 sequence starting at text[pos], or 0.
size_t Utf8SequenceLength(std::string_view text, size_t pos) {
  auto byte = [&text](size_t at) { return static_cast<unsigned char>(text[at]); };
  unsigned char lead = byte(pos);
  size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0;
  if (lead > 0xF4 || length == 0 || pos + length > text.size()) return 0;
  for (size_t offset = 1; offset < length; ++offset) {
    if ((byte(pos + offset) & 0xC0) != 0x80) return 0;
  }
  unsigned char second = byte(pos + 1);
  // Overlong forms, UTF-16 surrogates and code points above U+10FFFF.
  if ((lead == 0xE0 && second < 0xA0) || (lead == 0xED && second > 0x9F) ||
      (lead == 0xF0 && second < 0x90) || (lead == 0xF4 && second > 0x8F)) {
    return 0;
  }
  return length;
}

void AppendString(std::string_view text, std::string* out) {
  out->push_back('"');
  size_t pos = 0;
  while (pos < text.size()) {
    // A run of bytes that need no escaping, appended at once.
    size_t plain = pos;
    while (plain < text.size()) {
      unsigned char c = static_cast<unsigned char>(text[plain]);
      if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') break;
      ++plain;
    }
    if (plain > pos) {
      out->append(text.data() + pos, plain - pos);
      pos = plain;
      if (pos == text.size()) break;
    }
    unsigned char c = static_cast<unsigned char>(text[pos]);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
      ++pos;
    } else if (c < 0x20) {
      switch (c) {
        case '\n': out->append("\\n"); break;
        case '\r': out->append("\\r"); break;
        case '\t': out->append("\\t"); break;
        default: out->append(fmt::format("\\u{:04x}", c));
      }
      ++pos;
    } else if (size_t length = Utf8SequenceLength(text, pos); length > 0) {
      out->append(text.substr(pos, length));
      pos += length;
    } else {
      out->append("\xEF\xBF\xBD");  // U+FFFD REPLACEMENT CHARACTER
      ++pos;
    }
  }
  out->push_back('"');
}

// Through a buffer on the stack: formatting into the string through a
// back_inserter appends one character at a time.
template <typename Number>
void AppendFormatted(Number value, std::string* out) {
  char buffer[32];
  const auto written = fmt::format_to_n(buffer, sizeof buffer, "{}", value);
  out->append(buffer, std::min(written.size, sizeof buffer));
}

void AppendNumber(double value, std::string* out) {
  if (!std::isfinite(value)) value = 0;
  AppendFormatted(std::round(value * 10000) / 10000, out);
}

void AppendKey(const char* key, std::string* out) {
  out->push_back(',');
  out->push_back('"');
  out->append(key);
  out->append("\":");
}

void AppendHit(const ScreeningHit& hit, std::string* out) {
  out->append("{\"kind\":");
  AppendString(hit.kind, out);
  if (hit.item >= 0) {
    AppendKey("item", out);
    AppendFormatted(hit.item, out);
  }
  if (hit.kind == "mark") {
    AppendKey("field", out);
    AppendString(hit.field, out);
    AppendKey("mark", out);
    AppendString(hit.mark, out);
    AppendKey("application", out);
    AppendString(hit.application, out);
    AppendKey("found", out);
    AppendString(hit.found, out);
    AppendKey("distance", out);
    AppendFormatted(hit.distance, out);
    AppendKey("relevance", out);
    AppendString(hit.relevance, out);
    AppendKey("authorised", out);
    out->append(hit.authorised ? "true" : "false");
  } else if (hit.kind == "profile") {
    AppendKey("profile", out);
    AppendString(hit.profile, out);
    AppendKey("name", out);
    AppendString(hit.name, out);
  } else if (hit.kind == "watchlist") {
    AppendKey("entry", out);
    AppendString(hit.entry, out);
    AppendKey("name", out);
    AppendString(hit.name, out);
    AppendKey("party", out);
    AppendString(hit.party, out);
    AppendKey("found", out);
    AppendString(hit.found, out);
    AppendKey("similarity", out);
    AppendNumber(hit.similarity, out);
  } else if (hit.kind == "model") {
    AppendKey("model", out);
    AppendString(hit.name, out);
    if (!hit.reason.empty()) {
      AppendKey("reason", out);
      AppendString(hit.reason, out);
    }
    AppendKey("probability", out);
    AppendNumber(hit.probability, out);
    AppendKey("bias", out);
    AppendNumber(hit.bias, out);
    AppendKey("contributions", out);
    out->push_back('[');
    for (size_t index = 0; index < hit.contributions.size(); ++index) {
      const targeting::Contribution& contribution = hit.contributions[index];
      if (index > 0) out->push_back(',');
      out->append("{\"feature\":");
      AppendString(contribution.feature, out);
      AppendKey("value", out);
      if (std::isnan(contribution.value)) {
        out->append("null");
      } else {
        AppendNumber(contribution.value, out);
      }
      AppendKey("contribution", out);
      AppendNumber(contribution.contribution, out);
      AppendKey("detail", out);
      AppendString(contribution.detail, out);
      out->push_back('}');
    }
    out->push_back(']');
  } else if (!hit.reason.empty()) {
    AppendKey("reason", out);
    AppendString(hit.reason, out);
  }
  AppendKey("weight", out);
  AppendNumber(hit.weight, out);
  out->push_back('}');
}

}  // namespace

void AppendResultJson(const ScreeningResult& result, std::string* out) {
  out->append("{\"id\":");
  AppendString(result.id, out);
  AppendKey("score", out);
  AppendNumber(result.score, out);
  AppendKey("channel", out);
  AppendString(result.channel, out);
  AppendKey("selected", out);
  out->append(result.selected ? "true" : "false");
  AppendKey("office", out);
  AppendString(result.office, out);
  AppendKey("hits", out);
  out->push_back('[');
  for (size_t index = 0; index < result.hits.size(); ++index) {
    if (index > 0) out->push_back(',');
    AppendHit(result.hits[index], out);
  }
  out->append("]}");
}

void AppendReadErrorJson(const ReadError& error, std::string* out) {
  out->append("{\"line\":");
  AppendFormatted(error.line, out);
  AppendKey("id", out);
  if (error.id.empty()) {
    out->append("null");
  } else {
    AppendString(error.id, out);
  }
  AppendKey("error", out);
  AppendString(error.reason, out);
  out->push_back('}');
}

}  // namespace cordon
