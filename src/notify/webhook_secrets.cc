// Webhook secrets sealed at rest with the node's secrets key; see notify.h.
#include <fmt/format.h>

#include "notify/notify.h"

namespace cordon {
namespace {

std::string AssociatedData(const WebhookEndpointRecord& endpoint) {
  return "cordon/webhook-secret\n" + endpoint.org_id + "\n" + endpoint.id;
}

}  // namespace

std::string SealWebhookSecret(const SecretsKey& key, const WebhookEndpointRecord& endpoint,
                              std::string_view secret, Rng& rng) {
  return key.Seal(secret, AssociatedData(endpoint), rng);
}

Result<std::string> OpenWebhookSecret(const SecretsKey& key,
                                      const WebhookEndpointRecord& endpoint) {
  Result<std::string> opened = key.Open(endpoint.stored_secret, AssociatedData(endpoint));
  if (!opened.ok()) {
    return Corrupt(fmt::format("the signing secret of webhook endpoint {} cannot be opened: {}",
                               endpoint.id, opened.error().message()));
  }
  return opened;
}

Result<std::optional<std::string>> WebhookSecretsSealedKeyId(Store& store) {
  std::optional<std::string> key_id;
  CORDON_RETURN_IF_ERROR(store.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(std::vector<WebhookEndpointRecord> endpoints,
                            tx.ListAllWebhookEndpoints());
    for (const WebhookEndpointRecord& endpoint : endpoints) {
      key_id = SealedSecretKeyId(endpoint.stored_secret);
      if (key_id) break;
    }
    return Status::Ok();
  }));
  return key_id;
}

Result<int> PrepareWebhookSecrets(Store& store, const SecretsKey& key, Rng& rng) {
  int sealed = 0;
  // One unit of work: all clear secrets become sealed, or (on any failure or
  // a crash before the commit) none does.
  CORDON_RETURN_IF_ERROR(store.Write([&](WriteTx& tx) -> Status {
    sealed = 0;
    CORDON_ASSIGN_OR_RETURN(std::vector<WebhookEndpointRecord> endpoints,
                            tx.ListAllWebhookEndpoints());
    for (const WebhookEndpointRecord& endpoint : endpoints) {
      if (IsSealedSecret(endpoint.stored_secret)) {
        const std::optional<std::string> key_id = SealedSecretKeyId(endpoint.stored_secret);
        if (!key_id) {
          return Corrupt(fmt::format(
              "the stored secret of webhook endpoint {} is not a well-formed sealed value",
              endpoint.id));
        }
        if (*key_id != key.key_id()) {
          return Conflict(fmt::format(
              "webhook secrets in this database are sealed with secrets key {}, but the secrets "
              "key file holds key {} (endpoint {}): give the key file that belongs to this "
              "database (--secrets-key), restored from the backup taken with it",
              *key_id, key.key_id(), endpoint.id));
        }
        continue;
      }
      if (!endpoint.stored_secret.starts_with("whsec_")) {
        return Corrupt(fmt::format(
            "the stored secret of webhook endpoint {} is neither a whsec_ secret nor sealed",
            endpoint.id));
      }
      const std::string replacement = SealWebhookSecret(key, endpoint, endpoint.stored_secret, rng);
      CORDON_RETURN_IF_ERROR(
          tx.ReplaceWebhookSecret(endpoint.id, endpoint.stored_secret, replacement));
      ++sealed;
    }
    return Status::Ok();
  }));
  return sealed;
}

}  // namespace cordon
