// The web dashboard's files (web/dist, built by Vite) served beside the API:
// every GET or HEAD outside /api/ is a file of the dashboard, or its
// index.html for a client-side route (single-page application fallback).
//
// Compression: the build writes file.br and file.gz beside each text file
// (web/vite.config.ts); the one the client accepts (Accept-Encoding) is sent
// with Content-Encoding, so nothing is compressed per request.
//
// Caching: Vite puts a content hash in the names of everything under
// assets/, so those are cached for a year as immutable; index.html and the
// other top-level files are revalidated on every load (no-cache + ETag), so a
// new build is picked up at once.
//
// Thread safety: immutable after construction; Serve() reads the disk on
// each call and may run concurrently.
#pragma once

#include <filesystem>

#include "api/router.h"

namespace cordon::api {

class StaticFiles {
 public:
  // root: the folder holding index.html.
  explicit StaticFiles(std::filesystem::path root);

  // True when the request is the dashboard's: GET or HEAD of a path that is
  // neither /api nor under /api/.
  static bool Handles(const HttpRequest& request);

  // 200 with the file, its content type and caching headers; 304 when
  // If-None-Match names its ETag; index.html for a path without a file
  // extension that names no file (a client-side route); 404 problem for a
  // missing asset or a path that tries to leave the root ("..", NUL).
  HttpResponse Serve(const HttpRequest& request) const;

 private:
  std::filesystem::path root_;
};

// The Content-Type for a file name's extension ("application/octet-stream"
// when unknown).
std::string ContentTypeFor(const std::filesystem::path& file);

}  // namespace cordon::api
