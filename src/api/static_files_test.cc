#include "api/static_files.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "support/test_support.h"

namespace cordon::api {
namespace {

void WriteFile(const std::filesystem::path& file, const std::string& content) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary);
  out << content;
}

HttpRequest Get(const std::string& path) {
  HttpRequest request;
  request.method = "GET";
  request.path = path;
  return request;
}

std::string HeaderOf(const HttpResponse& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

// A built dashboard as Vite lays it out: index.html, hashed assets/, and
// top-level files from public/.
class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(root() / "index.html", "<!doctype html><div id=root></div>");
    WriteFile(root() / "assets" / "index-3f9a.js", "console.log(1)");
    WriteFile(root() / "assets" / "index-77aa.css", "body{}");
    WriteFile(root() / "favicon.svg", "<svg/>");
    WriteFile(dir_.path() / "secret.txt", "outside the root");
  }
  std::filesystem::path root() const { return dir_.path() / "dist"; }

  test_support::TempDir dir_{"cordon-static"};
};

TEST_F(StaticFilesTest, ServesOnlyGetAndHeadOutsideTheApi) {
  EXPECT_TRUE(StaticFiles::Handles(Get("/")));
  EXPECT_TRUE(StaticFiles::Handles(Get("/cases/cas_1")));
  EXPECT_TRUE(StaticFiles::Handles(Get("/apiary")));
  EXPECT_FALSE(StaticFiles::Handles(Get("/api")));
  EXPECT_FALSE(StaticFiles::Handles(Get("/api/v1/health")));
  HttpRequest head = Get("/");
  head.method = "HEAD";
  EXPECT_TRUE(StaticFiles::Handles(head));
  HttpRequest post = Get("/");
  post.method = "POST";
  EXPECT_FALSE(StaticFiles::Handles(post));
}

TEST_F(StaticFilesTest, IndexIsRevalidatedAndCarriesTheSecurityHeaders) {
  StaticFiles files(root());
  HttpResponse index = files.Serve(Get("/"));
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(index.body, "<!doctype html><div id=root></div>");
  EXPECT_EQ(HeaderOf(index, "Cache-Control"), "no-cache");
  EXPECT_NE(HeaderOf(index, "Content-Security-Policy").find("default-src 'self'"),
            std::string::npos);
  EXPECT_EQ(HeaderOf(index, "X-Content-Type-Options"), "nosniff");
  EXPECT_FALSE(HeaderOf(index, "ETag").empty());
}

TEST_F(StaticFilesTest, HashedAssetsAreImmutableWithTheirContentTypes) {
  StaticFiles files(root());
  HttpResponse script = files.Serve(Get("/assets/index-3f9a.js"));
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(script.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(script.body, "console.log(1)");
  EXPECT_EQ(HeaderOf(script, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(files.Serve(Get("/assets/index-77aa.css")).content_type, "text/css; charset=utf-8");
  // A top-level file keeps its name across builds: revalidated, not immutable.
  HttpResponse icon = files.Serve(Get("/favicon.svg"));
  EXPECT_EQ(icon.content_type, "image/svg+xml");
  EXPECT_EQ(HeaderOf(icon, "Cache-Control"), "no-cache");
}

TEST_F(StaticFilesTest, ClientSideRoutesGetIndexButMissingFilesAre404) {
  StaticFiles files(root());
  HttpResponse route = files.Serve(Get("/cases/cas_123"));
  EXPECT_EQ(route.status, 200);
  EXPECT_EQ(route.body, "<!doctype html><div id=root></div>");
  EXPECT_EQ(HeaderOf(route, "Cache-Control"), "no-cache");
  HttpResponse missing = files.Serve(Get("/assets/index-old.js"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.content_type, "application/problem+json");
}

TEST_F(StaticFilesTest, PathsThatLeaveTheRootAre404) {
  StaticFiles files(root());
  for (const std::string path :
       {"/../secret.txt", "/assets/../../secret.txt", "/..", "/a\\..\\secret.txt"}) {
    HttpResponse response = files.Serve(Get(path));
    EXPECT_EQ(response.status, 404) << path;
    EXPECT_EQ(response.body.find("outside the root"), std::string::npos) << path;
  }
  std::filesystem::create_symlink(dir_.path() / "secret.txt", root() / "link.txt");
  EXPECT_EQ(files.Serve(Get("/link.txt")).status, 404);
}

TEST_F(StaticFilesTest, AMatchingETagIs304WithoutABody) {
  StaticFiles files(root());
  HttpResponse first = files.Serve(Get("/assets/index-3f9a.js"));
  HttpRequest again = Get("/assets/index-3f9a.js");
  again.headers.push_back({"If-None-Match", HeaderOf(first, "ETag")});
  HttpResponse second = files.Serve(again);
  EXPECT_EQ(second.status, 304);
  EXPECT_TRUE(second.body.empty());
  EXPECT_TRUE(second.content_type.empty());
}

// The build's precompressed files are sent as they are, the best the client
// accepts, with Content-Encoding and an ETag of their own.
TEST_F(StaticFilesTest, SendsThePrecompressedFileTheClientAccepts) {
  WriteFile(root() / "assets" / "index-3f9a.js.br", "BROTLI");
  WriteFile(root() / "assets" / "index-3f9a.js.gz", "GZIP");
  StaticFiles files(root());
  HttpRequest request = Get("/assets/index-3f9a.js");
  request.headers.push_back({"Accept-Encoding", "gzip, deflate, br"});
  HttpResponse brotli = files.Serve(request);
  EXPECT_EQ(brotli.body, "BROTLI");
  EXPECT_EQ(HeaderOf(brotli, "Content-Encoding"), "br");
  EXPECT_EQ(brotli.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(HeaderOf(brotli, "Vary"), "Accept-Encoding");
  request.headers = {{"Accept-Encoding", "gzip"}};
  HttpResponse gzip = files.Serve(request);
  EXPECT_EQ(gzip.body, "GZIP");
  EXPECT_EQ(HeaderOf(gzip, "Content-Encoding"), "gzip");
  EXPECT_NE(HeaderOf(gzip, "ETag"), HeaderOf(brotli, "ETag"));
  request.headers.clear();
  HttpResponse plain = files.Serve(request);
  EXPECT_EQ(plain.body, "console.log(1)");
  EXPECT_EQ(HeaderOf(plain, "Content-Encoding"), "");
  EXPECT_EQ(HeaderOf(plain, "Vary"), "Accept-Encoding");
}

TEST_F(StaticFilesTest, AnUnbuiltRootServesNothing) {
  StaticFiles files(dir_.path() / "missing");
  EXPECT_EQ(files.Serve(Get("/")).status, 404);
  EXPECT_EQ(files.Serve(Get("/cases")).status, 404);
}

}  // namespace
}  // namespace cordon::api
