// RFC 9457 problem details: THE one place that maps Cordon's ErrorCodes to
// HTTP statuses and problem bodies.
//
// Body: {"type":"/problems/<name>","title":...,"status":N,"detail":...,
//        "instance":<request path>,"errors":[{"field","message"}]?}
// with Content-Type application/problem+json. "errors" appears only when the
// error names fields. 401 adds WWW-Authenticate: Bearer; 429 (and 503 when
// known) add Retry-After; 405 adds Allow.
//
// Server-side failures (500) never carry their message to the client: it is
// logged here with the request path, and the client gets a generic detail.
//
// Thread safety: pure functions (logging is thread-safe).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/router.h"
#include "core/result.h"

namespace cordon::api {

// invalid_input 422, unauthenticated 401, forbidden 403, not_found 404,
// conflict 409, rate_limited 429, unavailable 503, corrupt/internal 500.
int HttpStatusFor(ErrorCode code);

// The problem response for a domain error.
HttpResponse ProblemFor(const Error& error, std::string_view instance);

// 400 /problems/malformed_json: the body is not JSON, or not a JSON object.
HttpResponse MalformedJsonProblem(std::string detail, std::string_view instance);
// 404 /problems/not_found for a path no route serves.
HttpResponse UnknownRouteProblem(std::string_view instance);
// 405 /problems/method_not_allowed with an Allow header.
HttpResponse MethodNotAllowedProblem(const std::vector<std::string>& allowed_methods,
                                     std::string_view instance);
// A problem for a status the HTTP layer produced on its own (a request it
// could not parse, 413 for a body over the limit, 414, ...).
HttpResponse ProtocolProblem(int status, std::string_view instance);
// 500 for an exception escaping a handler; logs `what`, never returns it.
HttpResponse UnexpectedFailureProblem(std::string_view what, std::string_view instance);

}  // namespace cordon::api
