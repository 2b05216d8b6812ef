// The HTTP JSON API under /api/v1: routing, bearer authentication, RFC 9457
// problem details, cursor pagination and the OpenAPI document.
//
// All routes are registered in one table (routes.cc); the OpenAPI document is
// checked against that table by a test, so the two cannot drift apart.
//
// Thread safety: Start() once; Stop() may be called from any thread (e.g. a
// signal handler thread). Handlers run on the HTTP server's worker threads.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "identity/identity.h"
#include "rights/rights.h"
#include "store/store.h"

namespace cordon {

class ScreeningService;  // screening/screening_service.h
class AuditService;      // audit/audit_service.h
class NotificationService;  // notify/notify.h
class CaseService;       // cases/case_service.h
class StatsService;      // stats/stats.h
namespace exchange {
class ExchangeService;  // exchange/exchange.h
}

struct ApiServices {
  Store& store;
  const Clock& clock;
  IdentityService& identity;
  ApplicationService& applications;
  // Risk screening routes (screenings, profiles, watchlist, selections);
  // they answer 503 while it is null.
  ScreeningService* screening = nullptr;
  // Audit log routes (/api/v1/audit/...); they answer 503 while it is null.
  AuditService* audit = nullptr;
  // Notices and webhook endpoints; they answer 503 while it is null.
  NotificationService* notifications = nullptr;
  // Detention case routes (/api/v1/cases); 503 while null.
  CaseService* cases = nullptr;
  // Seizure statistics routes (/api/v1/stats); 503 while null.
  StatsService* stats = nullptr;
  // The built web dashboard (web/dist): served at every GET outside /api/
  // when set (api/static_files.h); empty: the API only.
  std::filesystem::path web_root = {};
  // Exchange with partner nodes (/api/v1/exchange/..., case referral); 503
  // while null (the node has no exchange keys).
  exchange::ExchangeService* exchange = nullptr;
};

struct RouteInfo {
  std::string method;   // "GET", "POST", ...
  std::string pattern;  // OpenAPI style: "/api/v1/applications/{id}"
  bool requires_auth = true;
};

class ApiServer {
 public:
  explicit ApiServer(ApiServices services);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Binds to host:port (port 0 picks a free one) and returns the bound port.
  // kUnavailable when the address cannot be bound.
  Result<int> Bind(const std::string& host, int port);
  // Serves until Stop(); returns after the listener closed.
  void Run();
  void Stop();

  // Every registered route, in registration order.
  std::vector<RouteInfo> Routes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The OpenAPI 3.1 document served at GET /api/v1/openapi.json.
std::string OpenApiDocument();

}  // namespace cordon
