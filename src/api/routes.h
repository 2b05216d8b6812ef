// Internals of the API module: the one table of /api/v1 routes and their
// handlers. Only files in src/api include it.
#pragma once

#include "api/api.h"
#include "api/router.h"

namespace cordon::api {

inline constexpr char kApiVersion[] = CORDON_VERSION;

// Registers every route; the OpenAPI document (openapi.cc) must describe
// exactly these (api_test checks it). `services` must outlive the router.
void RegisterRoutes(Router& router, const ApiServices& services);

}  // namespace cordon::api
