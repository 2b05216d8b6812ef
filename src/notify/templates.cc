// The legal content of case notices per jurisdiction; see notify.h and
// docs/notifications.md. Sources:
//   EU    Regulation (EU) No 608/2013 (Art. 17, 18, 19, 23, 26, 29) and
//         Regulation (EEC, Euratom) No 1182/71 for the counting of periods;
//   TRIPS Agreement on Trade-Related Aspects of Intellectual Property Rights,
//         Art. 54, 55, 57, 58, 59;
//   CN    Regulations of the PRC on Customs Protection of IPR (State Council
//         Decree No. 395, as amended 2018), Art. 15, 16, 19, 20, 23, 24, 27.
// The texts state facts and periods; they are templates for an
// administration's own letters, which it can replace.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "notify/notify.h"

namespace cordon {
namespace {

using json = nlohmann::json;

constexpr const char* kEu = "Regulation (EU) No 608/2013";
constexpr const char* kCn = "Regulations of the PRC on Customs Protection of Intellectual Property Rights";

struct Text {
  std::string subject;
  std::vector<std::string> paragraphs;
  std::vector<std::string> references;
};

const CaseNoticeDeadline* FindDeadline(const CaseNoticeFacts& facts, std::string_view name) {
  for (const CaseNoticeDeadline& deadline : facts.deadlines) {
    if (deadline.name == name) return &deadline;
  }
  return nullptr;
}

// "2026-12-04 (end of that working day)" or "the date stated by customs".
std::string DueText(const CaseNoticeFacts& facts, std::string_view name) {
  const CaseNoticeDeadline* deadline = FindDeadline(facts, name);
  if (deadline == nullptr) return "the date customs will notify separately";
  return FormatDate(deadline->due) + " (until the end of that working day)";
}

std::string DateOr(const std::optional<Date>& date, const char* otherwise) {
  return date ? FormatDate(*date) : std::string(otherwise);
}

std::string GoodsLine(const CaseNoticeFacts& facts) {
  std::string line = "Case " + facts.case_id;
  if (!facts.office.empty()) line += ", office " + facts.office;
  if (!facts.goods.empty()) line += ". Goods: " + facts.goods;
  if (facts.suspended_on) line += ". Release suspended / goods detained on " + FormatDate(*facts.suspended_on);
  line += ".";
  return line;
}

// ---- EU (608/2013)

Result<Text> EuText(CaseNoticeKind kind, NoticeAddressee to, const CaseNoticeFacts& facts) {
  const bool ex_officio = facts.procedure == "ex_officio";
  const bool holder = to == NoticeAddressee::kRightHolder;
  std::string period = facts.perishable ? "three working days (perishable goods)"
                                        : "ten working days";
  Text text;
  switch (kind) {
    case CaseNoticeKind::kSuspension:
      if (facts.small_consignment) {
        text.subject = "Notice of detention of goods under the small-consignments procedure";
        text.references = {std::string(kEu) + " Art. 26(3)", "Art. 26(4)-(6)", "Art. 26(8)-(9)"};
        if (holder) {
          text.paragraphs = {
              "The goods below, suspected of infringing the intellectual property right covered "
              "by your decision granting the application, were detained under the procedure for "
              "the destruction of goods in small consignments (" + std::string(kEu) +
                  " Art. 26). Your application opted in to this procedure; you are informed of "
                  "the detention and are not required to act now (Art. 26(2)).",
              "If the declarant opposes destruction, customs will inform you and you will have "
              "ten working days to initiate proceedings to determine whether the right is "
              "infringed (Art. 26(8)-(9))."};
        } else {
          text.paragraphs = {
              "Customs have detained the goods below, suspected of infringing an intellectual "
              "property right, under the small-consignments procedure (" + std::string(kEu) +
                  " Art. 26(3)).",
              "You may express your point of view and state whether you agree to the destruction "
              "of the goods by " + DueText(facts, "response_due") +
                  " (Art. 26(4)). If you agree, or do not answer by that date, the goods may be "
                  "destroyed under customs control (Art. 26(5)-(6)). If you oppose, the holder of "
                  "the decision is informed and may initiate proceedings (Art. 26(8)-(9))."};
        }
        break;
      }
      if (ex_officio) {
        text.subject = "Notice of suspension of release (ex officio)";
        text.references = {std::string(kEu) + " Art. 18(3)", "Art. 18(4)(b)", "Art. 5(3)"};
        if (holder) {
          text.paragraphs = {
              "Customs have suspended the release of, or detained, the goods below on their own "
              "initiative, as goods suspected of infringing an intellectual property right of "
              "which you appear to be the holder (" + std::string(kEu) + " Art. 18(1), 18(3)).",
              "You may submit an application for action within four working days of this "
              "notification, i.e. by " + DueText(facts, "application_due") +
                  " (Art. 5(3)(a)). Without a granted application the goods are released "
                  "(Art. 18(4)(b))."};
        } else {
          text.paragraphs = {
              "Customs have suspended the release of, or detained, the goods below on their own "
              "initiative, as goods suspected of infringing an intellectual property right "
              "(" + std::string(kEu) + " Art. 18(1), 18(3)). This notice is given within one "
                                       "working day of the suspension (Art. 18(3)).",
              "The persons entitled to apply have four working days to submit an application for "
              "action (Art. 5(3)(a)); without one the goods are released (Art. 18(4)(b))."};
        }
        break;
      }
      text.subject = "Notice of suspension of release / detention of goods";
      text.references = {std::string(kEu) + " Art. 17(3)", "Art. 17(4)", "Art. 19",
                         "Art. 23(1)", "Art. 23(3)", "Art. 23(4)", "Art. 29"};
      if (holder) {
        text.paragraphs = {
            "Customs have suspended the release of, or detained, the goods below, suspected of "
            "infringing an intellectual property right covered by the decision granting your "
            "application" + (facts.application_id.empty() ? std::string()
                                                          : " " + facts.application_id) +
                " (" + kEu + " Art. 17(1), 17(3)). The actual or estimated quantity and the "
                             "nature of the goods are stated below (Art. 17(4)).",
            "Within " + period + " of this notification, i.e. by " +
                DueText(facts, "response_due") +
                ", you may confirm that the right is infringed and agree to the destruction of "
                "the goods (Art. 23(1)(a)-(b)), or initiate proceedings to determine whether the "
                "right is infringed (Art. 23(3)). You may ask customs for samples (Art. 19(2)).",
            std::string(facts.perishable
                            ? "The period cannot be extended for perishable goods (Art. 23(4))."
                            : "On a duly justified request the period may be extended once by up "
                              "to ten working days (Art. 23(4)).") +
                " If you do neither in time, the goods are released (Art. 23(5)). The costs of "
                "storage and destruction are borne by you (Art. 29)."};
      } else {
        text.paragraphs = {
            "Customs have suspended the release of, or detained, the goods below, suspected of "
            "infringing an intellectual property right (" + std::string(kEu) +
                " Art. 17(1), 17(3)). This notice is given within one working day of the "
                "suspension (Art. 17(3)).",
            "Within " + period + " of this notification, i.e. by " +
                DueText(facts, "response_due") +
                ", you may confirm your agreement to the destruction of the goods, or oppose "
                "it (Art. 23(1)(c)). If you neither agree nor oppose in time and the holder of "
                "the decision has confirmed the infringement, you may be deemed to have agreed "
                "to the destruction (Art. 23(1), second subparagraph)."};
      }
      break;
    case CaseNoticeKind::kOpposition:
      if (!holder) {
        return InvalidInput("the opposition notice is given to the right holder",
                            {{"to", "must be right_holder for an opposition notice"}});
      }
      text.subject = "Notice of the declarant's opposition to destruction";
      text.references = {std::string(kEu) + (facts.small_consignment ? " Art. 26(8)-(9)"
                                                                    : " Art. 23(3)")};
      text.paragraphs = {
          "The declarant or holder of the goods below has opposed their destruction.",
          facts.small_consignment
              ? "You may initiate proceedings to determine whether the right is infringed within "
                "ten working days of this notification, i.e. by " +
                    DueText(facts, "proceedings_due") +
                    "; otherwise the goods are released (" + std::string(kEu) + " Art. 26(9))."
              : "Unless you initiate proceedings to determine whether the right is infringed by " +
                    DueText(facts, "response_due") + ", the goods are released (" +
                    std::string(kEu) + " Art. 23(3), 23(5))."};
      break;
    case CaseNoticeKind::kExtension:
      if (facts.perishable || facts.small_consignment) {
        return InvalidInput("no extension for this case",
                            {{"kind", "608/2013 Art. 23(4) allows no extension for perishable "
                                      "goods or small consignments"}});
      }
      text.subject = "Notice of extension of the period";
      text.references = {std::string(kEu) + " Art. 23(4)"};
      text.paragraphs = {
          "On the duly justified request of the holder of the decision, customs have extended "
          "the period of " + std::string(kEu) + " Art. 23(1) and 23(3) by up to ten working "
                                                "days (Art. 23(4)).",
          "The period now ends on " + DueText(facts, "response_due") + "."};
      break;
    case CaseNoticeKind::kDeemedAgreement:
      text.subject = "Notice: agreement to destruction deemed given";
      text.references = {std::string(kEu) + (facts.small_consignment
                                                  ? " Art. 26(6)"
                                                  : " Art. 23(1), second subparagraph"),
                         "Art. 23(2)", "Art. 29"};
      text.paragraphs = {
          "The declarant or holder of the goods below neither confirmed agreement to their "
          "destruction nor opposed it within the period that ended on " +
              DueText(facts, "response_due") + ". Customs deem the agreement given (" +
              std::string(kEu) +
              (facts.small_consignment ? " Art. 26(6))." : " Art. 23(1), second subparagraph)."),
          "The goods will be destroyed under customs control (Art. 23(1)). The costs of storage "
          "and destruction are borne by the holder of the decision (Art. 29)."};
      break;
    case CaseNoticeKind::kDestruction:
      text.subject = "Notice of destruction of goods";
      text.references = {std::string(kEu) + " Art. 23(1)-(2)", "Art. 25", "Art. 29"};
      text.paragraphs = {
          "The goods below were destroyed under customs control on " +
              DateOr(facts.event_on, "the date recorded by customs") + " (" + kEu +
              " Art. 23(1), 25).",
          "The costs of storage and destruction are attributed to the holder of the decision "
          "(Art. 29)."};
      break;
    case CaseNoticeKind::kRelease:
      text.subject = "Notice of release of goods";
      text.references = {std::string(kEu) + " Art. 23(5)", "Art. 18(4)", "Art. 24"};
      text.paragraphs = {
          "The suspension of release / detention of the goods below ended on " +
              DateOr(facts.event_on, "the date recorded by customs") +
              ". The goods are released subject to the completion of customs formalities (" +
              kEu + " Art. 23(5); ex officio Art. 18(4))."};
      break;
    case CaseNoticeKind::kHandover:
      text.subject = "Notice of handover of goods to the competent authority";
      text.references = {std::string(kEu) + " Art. 23(3)", "Art. 23(5)", "Art. 29"};
      text.paragraphs = {
          "Proceedings to determine whether an intellectual property right has been infringed "
          "were initiated (" + std::string(kEu) + " Art. 23(3)). On " +
              DateOr(facts.event_on, "the date recorded by customs") +
              " customs handed the goods below over to the authority competent for those "
              "proceedings, which decides on them under national law.",
          "The costs of storage until then are borne by the holder of the decision "
          "(Art. 29)."};
      break;
  }
  return text;
}

// ---- TRIPS

Result<Text> TripsText(CaseNoticeKind kind, NoticeAddressee to, const CaseNoticeFacts& facts) {
  const bool holder = to == NoticeAddressee::kRightHolder;
  const bool ex_officio = facts.procedure == "ex_officio";
  Text text;
  switch (kind) {
    case CaseNoticeKind::kSuspension:
      text.subject = "Notice of suspension of release";
      text.references = {ex_officio ? "TRIPS Art. 58" : "TRIPS Art. 54", "TRIPS Art. 55",
                         "TRIPS Art. 57"};
      text.paragraphs = {
          "The customs authorities have suspended the release of the goods below (" +
              std::string(ex_officio ? "TRIPS Art. 58(a)-(b)" : "TRIPS Art. 54") +
              "); the importer and the applicant are notified promptly.",
          holder ? "If the customs authorities are not informed by " +
                       DueText(facts, "response_due") +
                       " (ten working days after this notice) that proceedings leading to a "
                       "decision on the merits have been initiated, or that provisional measures "
                       "prolonging the suspension were taken, the goods are released; in "
                       "appropriate cases the period may be extended by ten working days "
                       "(TRIPS Art. 55). You may inspect the goods (TRIPS Art. 57)."
                 : "Unless proceedings on the merits are initiated by " +
                       DueText(facts, "response_due") +
                       ", the goods are released (TRIPS Art. 55). You may have the goods "
                       "inspected (TRIPS Art. 57)."};
      break;
    case CaseNoticeKind::kExtension:
      text.subject = "Notice of extension of the period";
      text.references = {"TRIPS Art. 55"};
      text.paragraphs = {"The period of TRIPS Art. 55 was extended by ten working days; it now "
                         "ends on " + DueText(facts, "response_due") + "."};
      break;
    case CaseNoticeKind::kDestruction:
      text.subject = "Notice of destruction of goods";
      text.references = {"TRIPS Art. 59", "TRIPS Art. 46"};
      text.paragraphs = {"On the order of the competent authorities the goods below were "
                         "destroyed on " + DateOr(facts.event_on, "the date recorded by customs") +
                         " (TRIPS Art. 59, 46)."};
      break;
    case CaseNoticeKind::kRelease:
      text.subject = "Notice of release of goods";
      text.references = {"TRIPS Art. 55"};
      text.paragraphs = {"The suspension of release of the goods below ended on " +
                         DateOr(facts.event_on, "the date recorded by customs") +
                         "; the goods are released (TRIPS Art. 55)."};
      break;
    case CaseNoticeKind::kHandover:
      text.subject = "Notice of handover of goods to the competent authority";
      text.references = {"TRIPS Art. 55", "TRIPS Art. 59"};
      text.paragraphs = {"Proceedings leading to a decision on the merits were initiated (TRIPS "
                         "Art. 55). On " + DateOr(facts.event_on, "the date recorded by customs") +
                         " the goods below were placed at the disposal of the competent "
                         "authorities, which may order their destruction or disposal (TRIPS "
                         "Art. 59)."};
      break;
    case CaseNoticeKind::kOpposition:
    case CaseNoticeKind::kDeemedAgreement:
      return InvalidInput("no such notice under TRIPS",
                          {{"kind", "TRIPS has no declarant agreement, opposition or deemed "
                                    "agreement"}});
  }
  return text;
}

// ---- CN

Result<Text> CnText(CaseNoticeKind kind, NoticeAddressee to, const CaseNoticeFacts& facts) {
  const bool holder = to == NoticeAddressee::kRightHolder;
  const bool ex_officio = facts.procedure == "ex_officio";
  Text text;
  switch (kind) {
    case CaseNoticeKind::kSuspension:
      if (ex_officio && holder) {
        text.subject = "Notice of suspected infringing goods (application for detention due)";
        text.references = {std::string(kCn) + " Art. 16"};
        text.paragraphs = {
            "Customs found the goods below, suspected of infringing your intellectual property "
            "right recorded with the General Administration of Customs (" + std::string(kCn) +
                " Art. 16).",
            "To have them detained, apply for detention and provide security within three "
            "working days of this notice, i.e. by " + DueText(facts, "application_due") +
                ". Otherwise customs may not detain the goods (Art. 16)."};
      } else if (holder) {
        text.subject = "Notice of detention of goods";
        text.references = {std::string(kCn) + " Art. 15", "Art. 23", "Art. 24(1)"};
        text.paragraphs = {
            "Upon your application, customs have detained the goods below and notify you in "
            "writing (" + std::string(kCn) + " Art. 15).",
            "You may apply to a people's court for an order to stop the infringement or for "
            "property preservation (Art. 23). If no notice of assistance in execution from a "
            "people's court reaches customs by " + DueText(facts, "response_due") +
                " (twenty working days from the detention), the goods are released "
                "(Art. 24(1))."};
      } else {
        text.subject = "Detention receipt: goods detained by customs";
        text.references = {std::string(kCn) + (ex_officio ? " Art. 16" : " Art. 15"),
                           "Art. 19", "Art. 24"};
        text.paragraphs = {
            "Customs have detained the goods below as goods suspected of infringing an "
            "intellectual property right; this is the written notice to the consignee or "
            "consignor (" + std::string(kCn) + (ex_officio ? " Art. 16)." : " Art. 15)."),
            "Where you consider that the goods do not infringe a patent right you may provide "
            "security of an amount equal to the value of the goods and ask customs to release "
            "them (Art. 19). The goods are released if the conditions of Art. 24 are met by " +
                DueText(facts, "response_due") + "."};
      }
      break;
    case CaseNoticeKind::kDestruction:
      text.subject = "Notice of confiscation of goods";
      text.references = {std::string(kCn) + " Art. 20", "Art. 27"};
      text.paragraphs = {"Customs determined after investigation that the goods below infringe "
                         "and confiscated them on " +
                         DateOr(facts.event_on, "the date recorded by customs") +
                         "; they are disposed of under " + std::string(kCn) + " Art. 27."};
      break;
    case CaseNoticeKind::kRelease:
      text.subject = "Notice of release of goods";
      text.references = {std::string(kCn) + " Art. 24"};
      text.paragraphs = {"The detention of the goods below ended on " +
                         DateOr(facts.event_on, "the date recorded by customs") +
                         "; customs release them (" + std::string(kCn) + " Art. 24)."};
      break;
    case CaseNoticeKind::kHandover:
      text.subject = "Notice of handover of goods under a people's court's order";
      text.references = {std::string(kCn) + " Art. 23"};
      text.paragraphs = {"Upon the notice of assistance in execution from a people's court, "
                         "customs handed the goods below over on " +
                         DateOr(facts.event_on, "the date recorded by customs") + " (" +
                         std::string(kCn) + " Art. 23)."};
      break;
    case CaseNoticeKind::kOpposition:
    case CaseNoticeKind::kExtension:
    case CaseNoticeKind::kDeemedAgreement:
      return InvalidInput("no such notice under the CN rules",
                          {{"kind", "the CN rules have no opposition notice, extension or "
                                    "deemed agreement"}});
  }
  return text;
}

}  // namespace

const char* CaseNoticeKindName(CaseNoticeKind kind) {
  switch (kind) {
    case CaseNoticeKind::kSuspension: return "case.suspension_notice";
    case CaseNoticeKind::kOpposition: return "case.opposition_notice";
    case CaseNoticeKind::kExtension: return "case.extension_notice";
    case CaseNoticeKind::kDeemedAgreement: return "case.deemed_agreement_notice";
    case CaseNoticeKind::kDestruction: return "case.destruction_notice";
    case CaseNoticeKind::kRelease: return "case.release_notice";
    case CaseNoticeKind::kHandover: return "case.handover_notice";
  }
  return "case.notice";
}

Result<RenderedNotice> RenderCaseNotice(CaseNoticeKind kind, NoticeAddressee to,
                                        const CaseNoticeFacts& facts) {
  if (facts.case_id.empty()) return InvalidInput("case notice", {{"case_id", "is required"}});
  Result<Text> text = InvalidInput("unknown jurisdiction",
                                   {{"jurisdiction", "must be EU, TRIPS or CN"}});
  if (facts.jurisdiction == "EU") text = EuText(kind, to, facts);
  if (facts.jurisdiction == "TRIPS") text = TripsText(kind, to, facts);
  if (facts.jurisdiction == "CN") text = CnText(kind, to, facts);
  if (!text.ok()) return text.error();

  RenderedNotice rendered;
  rendered.kind = CaseNoticeKindName(kind);
  rendered.subject = text->subject + " (case " + facts.case_id + ")";
  std::string body;
  if (!facts.administration.empty()) body += "From: " + facts.administration + "\n";
  body += "To: " + std::string(to == NoticeAddressee::kRightHolder ? "the right holder"
                                                                  : "the declarant / holder of the goods");
  const std::string& name =
      to == NoticeAddressee::kRightHolder ? facts.holder_name : facts.declarant_name;
  if (!name.empty()) body += ", " + name;
  body += "\n\n" + GoodsLine(facts) + "\n";
  for (const std::string& paragraph : text->paragraphs) body += "\n" + paragraph + "\n";
  if (!facts.deadlines.empty()) {
    body += facts.jurisdiction == "EU"
                ? "\nTime limits (working days, counted under Regulation (EEC, Euratom) No "
                  "1182/71 from the day after the event; a period ends at the end of its last "
                  "working day):\n"
                : "\nTime limits (working days on the detaining office's calendar, counted "
                  "from the day after the event; a period ends at the end of its last working "
                  "day):\n";
    for (const CaseNoticeDeadline& deadline : facts.deadlines) {
      body += "  - " + deadline.name + ": " + FormatDate(deadline.due);
      if (!deadline.reference.empty()) body += " (" + deadline.reference + ")";
      body += "\n";
    }
  }
  if (!facts.detail.empty()) body += "\n" + facts.detail + "\n";
  body += "\nLegal basis: ";
  for (size_t index = 0; index < text->references.size(); ++index) {
    if (index > 0) body += "; ";
    body += text->references[index];
  }
  body += ".\n";
  rendered.body = std::move(body);

  json deadlines = json::object();
  for (const CaseNoticeDeadline& deadline : facts.deadlines) {
    deadlines[deadline.name] = {{"due", FormatDate(deadline.due)},
                                {"reference", deadline.reference}};
  }
  rendered.data = {{"case_id", facts.case_id},
                   {"jurisdiction", facts.jurisdiction},
                   {"procedure", facts.procedure},
                   {"perishable", facts.perishable},
                   {"small_consignment", facts.small_consignment},
                   {"addressee", to == NoticeAddressee::kRightHolder ? "right_holder" : "declarant"},
                   {"deadlines", std::move(deadlines)},
                   {"references", text->references}};
  if (facts.suspended_on) rendered.data["suspended_on"] = FormatDate(*facts.suspended_on);
  if (facts.notified_on) rendered.data["notified_on"] = FormatDate(*facts.notified_on);
  if (facts.event_on) rendered.data["event_on"] = FormatDate(*facts.event_on);
  if (!facts.application_id.empty()) rendered.data["application_id"] = facts.application_id;
  return rendered;
}

}  // namespace cordon
