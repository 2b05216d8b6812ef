// The exchange delivery worker and its HTTP transport; see exchange.h.
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "exchange/exchange.h"

namespace cordon::exchange {

using nlohmann::json;

namespace {

constexpr int kBatch = 50;

class HttplibInboxTransport final : public InboxTransport {
 public:
  InboxReply Post(const std::string& url, const std::string& envelope) override {
    size_t scheme_end = url.find("://");
    if (scheme_end == std::string::npos) return {0, "", "not an absolute URL"};
    size_t path_start = url.find('/', scheme_end + 3);
    std::string base = path_start == std::string::npos ? url : url.substr(0, path_start);
    std::string target = path_start == std::string::npos ? "/" : url.substr(path_start);
    try {
      httplib::Client client(base);
      if (!client.is_valid()) return {0, "", "unsupported URL " + base};
      client.set_connection_timeout(5, 0);
      client.set_read_timeout(10, 0);
      client.set_write_timeout(10, 0);
      client.set_follow_location(false);
      httplib::Result result = client.Post(target, envelope, "application/jose");
      if (!result) return {0, "", "no answer: " + httplib::to_string(result.error())};
      return {result->status, result->body, ""};
    } catch (const std::exception& error) {
      return {0, "", std::string("request failed: ") + error.what()};
    }
  }
};

std::chrono::milliseconds RetryDelay(const ExchangeDeliveryOptions& options, int failed_attempts) {
  std::chrono::milliseconds delay = options.retry_base;
  for (int i = 1; i < failed_attempts && delay < options.retry_cap; ++i) delay *= 2;
  return std::min(delay, options.retry_cap);
}

}  // namespace

std::unique_ptr<InboxTransport> NewHttpInboxTransport() {
  return std::make_unique<HttplibInboxTransport>();
}

ExchangeDeliveryWorker::ExchangeDeliveryWorker(ExchangeService& service, Store& store,
                                               const Clock& clock,
                                               std::unique_ptr<InboxTransport> transport,
                                               ExchangeDeliveryOptions options)
    : service_(service),
      store_(store),
      clock_(clock),
      transport_(std::move(transport)),
      options_(options),
      // New messages are committed by other units of work: poll for them, and
      // sleep no longer than until the next retry is due.
      worker_(
          "exchange delivery", options_.poll, [this] { return RunOnce().status(); },
          [this] { return NextDueIn(); }) {}

ExchangeDeliveryWorker::~ExchangeDeliveryWorker() { Stop(); }

void ExchangeDeliveryWorker::Start() { worker_.Start(); }
void ExchangeDeliveryWorker::Stop() { worker_.Stop(); }
void ExchangeDeliveryWorker::Wake() { worker_.Wake(); }

std::optional<std::chrono::milliseconds> ExchangeDeliveryWorker::NextDueIn() {
  std::optional<Timestamp> next;
  Status read = store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(next, tx.NextExchangeMessageDue());
    return Status::Ok();
  });
  if (!read.ok() || !next.has_value()) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(*next - clock_.Now());
}

Result<int> ExchangeDeliveryWorker::RunOnce() {
  std::vector<ExchangeMessageRecord> due;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(due, tx.ListDueExchangeMessages(clock_.Now(), kBatch));
    return Status::Ok();
  }));
  int attempts = 0;
  for (const ExchangeMessageRecord& message : due) {
    Status status = Attempt(message);
    if (!status.ok()) {
      spdlog::warn("exchange delivery of {}: {}", message.id, status.error().ToString());
    } else {
      ++attempts;
    }
  }
  return attempts;
}

Status ExchangeDeliveryWorker::Attempt(const ExchangeMessageRecord& message) {
  const Timestamp now = clock_.Now();
  ExchangeMessageRecord updated = message;
  updated.updated_at = now;
  if (message.expires_at <= now) {
    updated.state = "expired";
    updated.next_attempt_at.reset();
    updated.last_error = "expired before a receipt came back";
    return store_.Write([&](WriteTx& tx) { return tx.UpdateExchangeMessage(updated, "pending"); });
  }
  std::string inbox;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(ExchangePartnerRecord partner,
                            tx.GetExchangePartner(Scope{message.org_id}, message.partner));
    inbox = partner.inbox_url;
    return Status::Ok();
  }));
  InboxReply reply = transport_->Post(inbox, message.envelope);
  updated.attempts = message.attempts + 1;
  std::string error;
  if (reply.status == 200) {
    // The body must be the partner's receipt for this message.
    OpenResult receipt;
    CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
      receipt = Open(
          service_.keys_, reply.body,
          [&](const std::string& node_id) { return service_.LookupSender(tx, node_id); }, now);
      return Status::Ok();
    }));
    if (!receipt.opened) {
      error = std::string("the receipt was refused: ") + RejectionName(receipt.rejected->reason) +
              " (" + receipt.rejected->detail + ")";
    } else {
      const EnvelopeHeader& header = receipt.opened->header;
      json payload = json::parse(receipt.opened->payload, nullptr, false);
      if (header.type != "receipt" || header.sender != message.partner ||
          header.in_reply_to != message.message_id || payload.is_discarded() ||
          !ValidatePayload("receipt", header.version, payload).ok() ||
          payload["message_id"] != message.message_id) {
        error = "the answer is not " + message.partner + "'s receipt for " + message.message_id;
      } else {
        updated.state = "delivered";
        updated.next_attempt_at.reset();
        updated.last_error.clear();
        updated.receipt = reply.body;
      }
    }
  } else if (reply.status == 422) {
    json problem = json::parse(reply.body, nullptr, false);
    std::string reason = problem.is_object() ? problem.value("reason", "") : "";
    updated.state = "rejected";
    updated.next_attempt_at.reset();
    updated.last_error = "refused by " + message.partner + ": " +
                         (reason.empty() ? std::string("(no reason)") : reason) +
                         (problem.is_object() && problem.contains("detail") &&
                                  problem["detail"].is_string()
                              ? " - " + problem["detail"].get<std::string>()
                              : "");
  } else if (reply.status == 0) {
    error = reply.error;
  } else {
    error = "HTTP " + std::to_string(reply.status);
  }
  if (!error.empty()) {
    updated.last_error = error;
    updated.next_attempt_at = now + RetryDelay(options_, updated.attempts);
  }
  Status stored =
      store_.Write([&](WriteTx& tx) -> Status {
        CORDON_RETURN_IF_ERROR(tx.UpdateExchangeMessage(updated, "pending"));
        if (updated.state == "pending") return Status::Ok();
        AuditEvent event;
        event.at = now;
        event.org_id = message.org_id;
        event.action = "exchange." + updated.state;  // exchange.delivered | exchange.rejected
        event.object_type = "exchange_message";
        event.object_id = message.id;
        event.detail = json({{"to", message.partner},
                             {"attempts", updated.attempts},
                             {"error", updated.last_error}})
                           .dump();
        return tx.AppendAuditEvent(event).status();
      });
  if (!stored.ok() && stored.error().code() == ErrorCode::kConflict) return Status::Ok();
  return stored;
}

}  // namespace cordon::exchange
