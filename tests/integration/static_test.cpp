// The static edge through the real binary: a Vite-shaped dist/ (tests/fixtures/dist plus a large
// file made here), precompressed with `edgewatch precompress`, served over loopback.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "harness.h"

namespace ew::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kBrowserAccept =
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
constexpr const char* kBrowserEncoding = "Accept-Encoding: gzip, deflate, br, zstd";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string pseudo_random(std::size_t n, std::uint32_t seed) {
  std::string s(n, '\0');
  for (char& c : s) {
    seed = seed * 1664525u + 1013904223u;
    c = static_cast<char>(seed >> 24);
  }
  return s;
}

std::string big_script(std::size_t n) {
  std::string s;
  for (int i = 0; s.size() < n; ++i)
    s += "export const value" + std::to_string(i) + " = " + std::to_string(i * 7) + ";\n";
  return s;
}

std::string sha_hex(const std::string& data, const EVP_MD* md) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, md, nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned i = 0; i < len; ++i) {
    hex.push_back(kHex[out[i] >> 4]);
    hex.push_back(kHex[out[i] & 15]);
  }
  return hex;
}

std::string sri_of(const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, EVP_sha384(), nullptr);
  unsigned char b64[128];
  int n = EVP_EncodeBlock(b64, out, static_cast<int>(len));
  return "sha384-" + std::string(reinterpret_cast<char*>(b64), static_cast<std::size_t>(n));
}

// A copy of the fixture with the large files a real build would have.
std::string make_dist(const std::string& dir) {
  std::string dist = dir + "/dist";
  fs::copy(source_dir() + "/tests/fixtures/dist", dist, fs::copy_options::recursive);
  fs::create_directories(dist + "/media");
  fs::create_directories(dist + "/docs");
  write_file(dist + "/media/intro.mp4", pseudo_random(1536 * 1024 + 7, 1));
  write_file(dist + "/assets/big-Qx7pL2mN.js", big_script(1200 * 1024));
  write_file(dist + "/docs/index.html", "<!doctype html><title>docs</title>");
  return dist;
}

class StaticEdge : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(make_temp_dir());
    dist_ = new std::string(make_dist(*dir_));
    CommandResult pre = run_edgewatch({"precompress", *dist_});
    ASSERT_EQ(pre.exit_code, 0) << pre.out << pre.err;
    // Added after precompress: compressed by the server at load instead.
    write_file(*dist_ + "/assets/late-Xy12ab3C.js", big_script(3000));
    write_file(*dir_ + "/secret.txt", "outside the root");
    fs::create_symlink(*dir_ + "/secret.txt", *dist_ + "/leak.txt");
    server_ = new ServerProcess({"--root", *dist_, "--workers", "2"},
                                {{"EDGEWATCH_STATIC_TRUSTED_PROXIES", "127.0.0.1/32"}});
  }
  static void TearDownTestSuite() {
    delete server_;
    fs::remove_all(*dir_);
    delete dist_;
    delete dir_;
  }
  static HttpResponse get(const std::string& target, const std::vector<std::string>& headers = {},
                          const std::string& method = "GET") {
    return http(server_->port(), method, target, headers);
  }
  // Sends a raw request line, for targets a normal client would clean up first.
  static HttpResponse raw(const std::string& target) {
    Connection c(server_->port());
    c.send("GET " + target + " HTTP/1.1\r\nHost: x\r\n" + kBrowserAccept + "\r\n\r\n");
    return c.read_response();
  }
  static std::string file(const std::string& rel) { return slurp(*dist_ + "/" + rel); }

  static std::string* dir_;
  static std::string* dist_;
  static ServerProcess* server_;
};
std::string* StaticEdge::dir_ = nullptr;
std::string* StaticEdge::dist_ = nullptr;
ServerProcess* StaticEdge::server_ = nullptr;

TEST_F(StaticEdge, ServesTheAppWithCachePolicyPerKind) {
  HttpResponse index = get("/", {kBrowserAccept});
  ASSERT_TRUE(index.complete);
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, file("index.html"));
  EXPECT_EQ(index.header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(index.header("cache-control"), "no-cache");
  HttpResponse js = get("/assets/index-BwYb0KlL.js");
  EXPECT_EQ(js.header("cache-control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(js.header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(js.body, file("assets/index-BwYb0KlL.js"));
  EXPECT_EQ(js.header("etag"), "\"" + sha_hex(js.body, EVP_sha256()).substr(0, 16) + "\"");
  EXPECT_EQ(get("/favicon.svg").header("cache-control"), "public, max-age=3600");
  EXPECT_EQ(get("/favicon.svg").header("content-type"), "image/svg+xml; charset=utf-8");
  EXPECT_EQ(get("/assets/index-DiwrgTda.css").header("content-type"), "text/css; charset=utf-8");
}

TEST_F(StaticEdge, PicksPrecompressedSiblingsByAcceptEncoding) {
  const std::string url = "/assets/vendor-C9xk2LpQ.js";
  HttpResponse br = get(url, {kBrowserEncoding});
  EXPECT_EQ(br.header("content-encoding"), "br");
  EXPECT_EQ(br.body, file("assets/vendor-C9xk2LpQ.js.br"));
  EXPECT_EQ(br.header("content-length"), std::to_string(br.body.size()));
  EXPECT_EQ(br.header("vary"), "Accept-Encoding");
  HttpResponse zstd = get(url, {"Accept-Encoding: gzip, zstd"});
  EXPECT_EQ(zstd.header("content-encoding"), "zstd");
  EXPECT_EQ(zstd.body, file("assets/vendor-C9xk2LpQ.js.zst"));
  HttpResponse gz = get(url, {"Accept-Encoding: gzip"});
  EXPECT_EQ(gz.header("content-encoding"), "gzip");
  EXPECT_EQ(gz.body, file("assets/vendor-C9xk2LpQ.js.gz"));
  HttpResponse q = get(url, {"Accept-Encoding: br;q=0.2, gzip;q=0.8"});
  EXPECT_EQ(q.header("content-encoding"), "gzip");
  HttpResponse plain = get(url);
  EXPECT_EQ(plain.count("content-encoding"), 0u);
  EXPECT_EQ(plain.body, file("assets/vendor-C9xk2LpQ.js"));
  EXPECT_EQ(get(url, {"Accept-Encoding: identity"}).count("content-encoding"), 0u);
  std::set<std::string> tags{br.header("etag"), zstd.header("etag"), gz.header("etag"),
                             plain.header("etag")};
  EXPECT_EQ(tags.size(), 4u);
}

TEST_F(StaticEdge, CompressesTextWithoutSiblingsAtLoadButNeverBinaries) {
  HttpResponse late = get("/assets/late-Xy12ab3C.js", {kBrowserEncoding});
  EXPECT_EQ(late.header("content-encoding"), "br");
  EXPECT_LT(late.body.size(), file("assets/late-Xy12ab3C.js").size());
  EXPECT_EQ(get("/assets/late-Xy12ab3C.js", {"Accept-Encoding: gzip"}).header("content-encoding"),
            "gzip");
  HttpResponse mp4 = get("/media/intro.mp4", {kBrowserEncoding});
  EXPECT_EQ(mp4.count("content-encoding"), 0u);
  EXPECT_EQ(mp4.header("content-type"), "video/mp4");
  HttpResponse small = get("/robots.txt", {kBrowserEncoding});  // under compress_min_size
  EXPECT_EQ(small.count("content-encoding"), 0u);
  EXPECT_EQ(small.count("vary"), 0u);
}

TEST_F(StaticEdge, LargeFilesAreStreamedWhole) {
  HttpResponse mp4 = get("/media/intro.mp4");
  ASSERT_TRUE(mp4.complete);
  EXPECT_EQ(mp4.body.size(), 1536u * 1024 + 7);
  EXPECT_EQ(mp4.body, file("media/intro.mp4"));
  // Over 1 MiB raw, so streamed; its precompressed sibling is served from memory.
  HttpResponse big = get("/assets/big-Qx7pL2mN.js", {kBrowserEncoding});
  EXPECT_EQ(big.header("content-encoding"), "br");
  EXPECT_EQ(big.body, file("assets/big-Qx7pL2mN.js.br"));
  HttpResponse big_plain = get("/assets/big-Qx7pL2mN.js");
  EXPECT_EQ(big_plain.body, file("assets/big-Qx7pL2mN.js"));
}

TEST_F(StaticEdge, HeadAnnouncesTheLengthWithoutABody) {
  HttpResponse head = get("/assets/vendor-C9xk2LpQ.js", {kBrowserEncoding}, "HEAD");
  ASSERT_TRUE(head.complete);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-length"),
            std::to_string(file("assets/vendor-C9xk2LpQ.js.br").size()));
  EXPECT_EQ(head.body, "");
  HttpResponse big = get("/media/intro.mp4", {}, "HEAD");
  EXPECT_EQ(big.header("content-length"), std::to_string(1536 * 1024 + 7));
}

TEST_F(StaticEdge, RevalidationGives304) {
  HttpResponse first = get("/assets/index-DiwrgTda.css", {kBrowserEncoding});
  std::string tag = first.header("etag");
  HttpResponse again =
      get("/assets/index-DiwrgTda.css", {kBrowserEncoding, "If-None-Match: " + tag});
  ASSERT_TRUE(again.complete);
  EXPECT_EQ(again.status, 304);
  EXPECT_EQ(again.body, "");
  EXPECT_EQ(again.header("etag"), tag);
  EXPECT_EQ(again.header("cache-control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(get("/", {"If-None-Match: W/" + get("/").header("etag")}).status, 304);
  std::string modified = first.header("last-modified");
  EXPECT_EQ(get("/favicon.svg", {"If-Modified-Since: " + modified}).status, 304);
  EXPECT_EQ(get("/favicon.svg", {"If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT"}).status, 200);
  EXPECT_EQ(
      get("/favicon.svg", {"If-None-Match: \"nope\"", "If-Modified-Since: " + modified}).status,
      200);
}

TEST_F(StaticEdge, RangeRequests) {
  const std::string mp4 = file("media/intro.mp4");
  HttpResponse part = get("/media/intro.mp4", {"Range: bytes=1000-1999"});
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(part.header("content-range"), "bytes 1000-1999/" + std::to_string(mp4.size()));
  EXPECT_EQ(part.body, mp4.substr(1000, 1000));
  HttpResponse tail = get("/media/intro.mp4", {"Range: bytes=-10"});
  EXPECT_EQ(tail.body, mp4.substr(mp4.size() - 10));
  HttpResponse multi = get("/robots.txt", {"Range: bytes=0-3,5-8"});
  EXPECT_EQ(multi.status, 206);
  EXPECT_TRUE(multi.header("content-type").starts_with("multipart/byteranges; boundary="));
  EXPECT_NE(multi.body.find("Content-Range: bytes 5-8/"), std::string::npos);
  HttpResponse bad = get("/media/intro.mp4", {"Range: bytes=99999999-"});
  EXPECT_EQ(bad.status, 416);
  EXPECT_EQ(bad.header("content-range"), "bytes */" + std::to_string(mp4.size()));
  std::string tag = get("/media/intro.mp4", {}, "HEAD").header("etag");
  EXPECT_EQ(get("/media/intro.mp4", {"Range: bytes=0-9", "If-Range: " + tag}).status, 206);
  HttpResponse stale = get("/media/intro.mp4", {"Range: bytes=0-9", "If-Range: \"old\""});
  EXPECT_EQ(stale.status, 200);
  EXPECT_EQ(stale.body.size(), mp4.size());
  // Ranges come from the identity bytes even when the client accepts br.
  HttpResponse js = get("/assets/vendor-C9xk2LpQ.js", {kBrowserEncoding, "Range: bytes=0-5"});
  EXPECT_EQ(js.status, 206);
  EXPECT_EQ(js.count("content-encoding"), 0u);
  EXPECT_EQ(js.body, file("assets/vendor-C9xk2LpQ.js").substr(0, 6));
}

TEST_F(StaticEdge, SpaFallbackServesIndexForRoutesOnly) {
  HttpResponse route = get("/settings/profile", {kBrowserAccept});
  EXPECT_EQ(route.status, 200);
  EXPECT_EQ(route.body, file("index.html"));
  EXPECT_EQ(route.header("cache-control"), "no-cache");
  EXPECT_NE(route.header("vary").find("Accept"), std::string::npos);
  // A stale chunk after a deploy: a real 404, never HTML ("Unexpected token <").
  HttpResponse chunk = get("/assets/index-0ldHash1.js", {kBrowserAccept});
  EXPECT_EQ(chunk.status, 404);
  EXPECT_EQ(chunk.body.find("<!doctype"), std::string::npos);
  EXPECT_EQ(get("/settings", {"Accept: application/json"}).status, 404);
  EXPECT_EQ(get("/api/users", {kBrowserAccept}).status, 404);
  EXPECT_EQ(get("/_edgewatch/nothing", {kBrowserAccept}).status, 404);
  HttpResponse dir = get("/docs?x=1", {kBrowserAccept});
  EXPECT_EQ(dir.status, 301);
  EXPECT_EQ(dir.header("location"), "/docs/?x=1");
  EXPECT_EQ(get("/docs/", {kBrowserAccept}).body, "<!doctype html><title>docs</title>");
}

TEST_F(StaticEdge, SecurityHeadersWithoutXssProtection) {
  for (const std::string target : {"/", "/assets/index-BwYb0KlL.js", "/missing.png"}) {
    HttpResponse r = get(target);
    EXPECT_EQ(r.header("x-content-type-options"), "nosniff") << target;
    EXPECT_NE(r.header("content-security-policy").find("script-src 'self';"), std::string::npos)
        << target;
    EXPECT_EQ(r.header("x-frame-options"), "SAMEORIGIN") << target;
    EXPECT_EQ(r.header("referrer-policy"), "strict-origin-when-cross-origin") << target;
    EXPECT_EQ(r.header("cross-origin-opener-policy"), "same-origin") << target;
    EXPECT_FALSE(r.header("permissions-policy").empty()) << target;
    EXPECT_EQ(r.count("x-xss-protection"), 0u) << target;
    EXPECT_EQ(r.count("strict-transport-security"), 0u) << target;
  }
  // 127.0.0.1 is a trusted proxy in this server's configuration.
  HttpResponse proxied = get("/", {"X-Forwarded-Proto: https"});
  EXPECT_EQ(proxied.header("strict-transport-security"), "max-age=63072000; includeSubDomains");
}

TEST_F(StaticEdge, OnlyGetAndHead) {
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH"}) {
    HttpResponse r = http(server_->port(), method, "/index.html", {}, "x");
    EXPECT_EQ(r.status, 405) << method;
    EXPECT_NE(r.header("allow").find("GET"), std::string::npos) << method;
    EXPECT_NE(r.header("allow").find("HEAD"), std::string::npos) << method;
  }
}

TEST_F(StaticEdge, DotfilesAndSymlinksOutOfRootAre404) {
  for (const char* target : {"/.env", "/%2eenv", "/.env.br", "/leak.txt", "/.git/config"}) {
    HttpResponse r = get(target, {kBrowserAccept});
    EXPECT_EQ(r.status, 404) << target;
    EXPECT_EQ(r.body.find("fixture-secret"), std::string::npos) << target;
    EXPECT_EQ(r.body.find("outside the root"), std::string::npos) << target;
  }
}

TEST_F(StaticEdge, TraversalCatalogue) {
  struct Case {
    const char* target;
    int status;  // 0: the server's parser may refuse it first (400) or we answer 400
  };
  for (Case c : {Case{"/../secret.txt", 400},
                 Case{"/assets/../../secret.txt", 400},
                 Case{"/%2e%2e/secret.txt", 400},
                 Case{"/%2E%2E/secret.txt", 400},
                 Case{"/.%2e/secret.txt", 400},
                 Case{"/%2e%2e%2fsecret.txt", 400},
                 Case{"/..%2fsecret.txt", 400},
                 Case{"/..%5csecret.txt", 400},
                 Case{"/..\\secret.txt", 400},
                 Case{"/index.html%00.js", 400},
                 Case{"/%C0%AE%C0%AE/secret.txt", 400},
                 Case{"/%c0%af", 400},
                 Case{"/%zz", 400},
                 Case{"/%", 400},
                 Case{"/%u002e%u002e/secret.txt", 400},
                 Case{"/%252e%252e/secret.txt", 404},
                 Case{"/%252e%252e%252fsecret.txt", 404},
                 Case{"/assets/%2e%2e/%2e%2e/secret.txt", 400},
                 Case{"//secret.txt", 404},
                 Case{"/leak.txt", 404}}) {
    HttpResponse r = raw(c.target);
    ASSERT_TRUE(r.complete) << c.target;
    EXPECT_EQ(r.status, c.status) << c.target;
    EXPECT_EQ(r.body.find("outside the root"), std::string::npos) << c.target;
  }
}

// Serves a copy that the test may change, with its own server.
class StaticReloads : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir();
    dist_ = make_dist(dir_);
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(dir_);
  }
  void start(std::map<std::string, std::string> env = {}) {
    server_ = std::make_unique<ServerProcess>(
        std::vector<std::string>{"--root", dist_, "--workers", "2"}, std::move(env));
  }
  // Replaces a file the way deploys do: write a new file, rename over the old one.
  void replace(const std::string& rel, const std::string& content) {
    write_file(dist_ + "/" + rel + ".new", content);
    fs::rename(dist_ + "/" + rel + ".new", dist_ + "/" + rel);
  }
  ::testing::AssertionResult wait_for_body(const std::string& target, const std::string& body) {
    return wait_until([&] { return http(server_->port(), "GET", target).body == body; }, 5s,
                      "the new body of " + target);
  }

  std::string dir_, dist_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(StaticReloads, SighupReloadsTheTree) {
  start();
  EXPECT_EQ(http(server_->port(), "GET", "/robots.txt").body, slurp(dist_ + "/robots.txt"));
  replace("robots.txt", "User-agent: *\nDisallow: /\n");
  write_file(dist_ + "/new.txt", "added");
  EXPECT_NE(http(server_->port(), "GET", "/robots.txt").body, "User-agent: *\nDisallow: /\n");
  server_->signal(SIGHUP);
  EXPECT_TRUE(wait_for_body("/robots.txt", "User-agent: *\nDisallow: /\n"));
  EXPECT_EQ(http(server_->port(), "GET", "/new.txt").body, "added");
}

TEST_F(StaticReloads, WatchReloadsOnFileChanges) {
  start({{"EDGEWATCH_STATIC_WATCH", "true"}});
  replace("favicon.svg", "<svg/>");
  EXPECT_TRUE(wait_for_body("/favicon.svg", "<svg/>"));
  fs::remove(dist_ + "/robots.txt");
  EXPECT_TRUE(wait_until([&] { return http(server_->port(), "GET", "/robots.txt").status == 404; },
                         5s, "/robots.txt gone"));
}

TEST_F(StaticReloads, AResponseInFlightKeepsTheBytesItStartedWith) {
  // While the client does not read, its receive window stays at the initial size and the
  // server's send buffer holds at most 4 MiB, so most of 8 MiB is still unsent when the file is
  // replaced.
  const std::string old_body = pseudo_random(8 << 20, 3);
  write_file(dist_ + "/media/long.bin", old_body);
  start();
  Connection slow(server_->port());
  ASSERT_TRUE(slow.send("GET /media/long.bin HTTP/1.1\r\nHost: x\r\n\r\n"));
  // The response has started and stalls: the client is not reading yet.
  ASSERT_TRUE(wait_until_sends_stall(slow.fd()));
  replace("media/long.bin", pseudo_random(old_body.size(), 4));
  server_->signal(SIGHUP);
  EXPECT_TRUE(wait_for_body("/media/long.bin", slurp(dist_ + "/media/long.bin")));
  HttpResponse r = slow.read_response(false, std::chrono::seconds(20));
  ASSERT_TRUE(r.complete);
  EXPECT_EQ(r.body.size(), old_body.size());
  EXPECT_TRUE(r.body == old_body) << "a response mixed two versions of the file";
}

// Large cached bodies go out with sendfile from a sealed memory file: whole, in order with the
// answers around them on one connection, and also to a client that does not read for a while:
// 12 MiB is more than the kernel buffers on both sides, so the server's sends stop part-way,
// wait for room and resume where they stopped.
TEST(StaticLargeCached, BodiesArriveWholeOnKeepAliveAndToSlowReaders) {
  std::string dir = make_temp_dir();
  const std::string poster = pseudo_random(12 * 1024 * 1024 + 3, 2);
  const std::string robots = "User-agent: *\n";
  write_file(dir + "/poster.webp", poster);
  write_file(dir + "/robots.txt", robots);
  ServerProcess server({"--root", dir}, {{"EDGEWATCH_STATIC_MAX_CACHED_FILE_SIZE", "16MiB"}});
  Connection c(server.port());
  ASSERT_TRUE(c.connected());
  for (int round = 0; round < 3; ++round) {
    // Pipelined: the small answer must follow the large one, not overtake it.
    ASSERT_TRUE(
        c.send("GET /poster.webp HTTP/1.1\r\nHost: x\r\n\r\n"
               "GET /robots.txt HTTP/1.1\r\nHost: x\r\n\r\n"));
    if (round == 1) {
      ASSERT_TRUE(wait_until_sends_stall(c.fd()));  // a slow reader
    }
    HttpResponse big = c.read_response();
    ASSERT_TRUE(big.complete) << "round " << round;
    EXPECT_EQ(big.status, 200);
    EXPECT_EQ(big.header("content-length"), std::to_string(poster.size()));
    EXPECT_TRUE(big.body == poster) << "round " << round << ": body differs";
    HttpResponse small = c.read_response();
    ASSERT_TRUE(small.complete) << "round " << round;
    EXPECT_EQ(small.body, robots);
  }
  HttpResponse head = http(server.port(), "HEAD", "/poster.webp");
  EXPECT_EQ(head.header("content-length"), std::to_string(poster.size()));
  EXPECT_EQ(head.body, "");
  HttpResponse part = http(server.port(), "GET", "/poster.webp", {"Range: bytes=100000-100099"});
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(part.body, poster.substr(100000, 100));
  fs::remove_all(dir);
}

TEST(StaticDisabled, NoRootMeansNoStaticRoutes) {
  ServerProcess server({"--workers", "1"});
  EXPECT_EQ(http(server.port(), "GET", "/index.html").status, 404);
  EXPECT_EQ(http(server.port(), "GET", "/health").status, 200);
}

TEST(StaticConfig, BadRootOrPatternIsAConfigurationError) {
  CommandResult missing =
      run_edgewatch({"serve", "--listen", "127.0.0.1:0", "--root", "/nonexistent/dist"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("static.root"), std::string::npos) << missing.err;
  CommandResult pattern = run_edgewatch({"serve", "--listen", "127.0.0.1:0", "--root", "/tmp"},
                                        {{"EDGEWATCH_STATIC_HASHED_NAME_PATTERN", "(unclosed"}});
  EXPECT_EQ(pattern.exit_code, 2);
  EXPECT_NE(pattern.err.find("static.hashed_name_pattern"), std::string::npos) << pattern.err;
}

// The build tools as CI runs them.
class StaticTools : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir();
    dist_ = dir_ + "/dist";
    fs::copy(source_dir() + "/tests/fixtures/dist", dist_, fs::copy_options::recursive);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_, dist_;
};

TEST_F(StaticTools, BudgetPassesAndFails) {
  CommandResult ok = run_edgewatch({"budget", dist_});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("assets/About-Dq3m8N1z.js"), std::string::npos);
  EXPECT_NE(ok.out.find("lazy"), std::string::npos);
  CommandResult over = run_edgewatch({"budget", dist_, "--max-initial-gzip", "1KiB"});
  EXPECT_EQ(over.exit_code, 1) << over.out;
  EXPECT_NE(over.out.find("OVER BUDGET"), std::string::npos);
  CommandResult chunk = run_edgewatch({"budget", dist_, "--max-chunk", "4KB"});
  EXPECT_EQ(chunk.exit_code, 1) << chunk.out;
  CommandResult json = run_edgewatch({"budget", dist_, "--json"});
  EXPECT_EQ(json.exit_code, 0);
  EXPECT_NE(json.out.find("\"ok\": true"), std::string::npos) << json.out;
  CommandResult bad = run_edgewatch({"budget", dist_, "--max-chunk", "lots"});
  EXPECT_EQ(bad.exit_code, 2);
}

TEST_F(StaticTools, SriHashesMatchOpenSslAndTheServerServesThePage) {
  CommandResult r = run_edgewatch({"sri", dist_ + "/index.html"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string html = slurp(dist_ + "/index.html");
  for (const char* asset :
       {"assets/index-BwYb0KlL.js", "assets/vendor-C9xk2LpQ.js", "assets/index-DiwrgTda.css"}) {
    EXPECT_NE(html.find("integrity=\"" + sri_of(slurp(dist_ + "/" + asset)) + "\""),
              std::string::npos)
        << asset;
  }
  ASSERT_EQ(run_edgewatch({"sri", dist_ + "/index.html"}).exit_code, 0);
  EXPECT_EQ(slurp(dist_ + "/index.html"), html);  // idempotent
  // The served page is the rewritten one, and what it names hashes to what it claims, decoded
  // from the brotli variant a browser would get: the server must never alter bytes.
  ServerProcess server({"--root", dist_, "--workers", "1"});
  EXPECT_EQ(http(server.port(), "GET", "/").body, html);
  EXPECT_EQ(sri_of(http(server.port(), "GET", "/assets/index-BwYb0KlL.js").body),
            sri_of(slurp(dist_ + "/assets/index-BwYb0KlL.js")));
}

TEST_F(StaticTools, PrecompressWritesSiblingsTheServerPrefers) {
  CommandResult r = run_edgewatch({"precompress", dist_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* ext : {".br", ".gz", ".zst"}) {
    EXPECT_TRUE(fs::exists(dist_ + "/assets/vendor-C9xk2LpQ.js" + ext)) << ext;
    EXPECT_LT(fs::file_size(dist_ + "/assets/vendor-C9xk2LpQ.js" + ext),
              fs::file_size(dist_ + "/assets/vendor-C9xk2LpQ.js"));
  }
  EXPECT_FALSE(fs::exists(dist_ + "/robots.txt.br"));
  CommandResult again = run_edgewatch({"precompress", dist_});
  EXPECT_NE(again.out.find("0 outputs written"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("12 up to date"), std::string::npos) << again.out;
}

}  // namespace
}  // namespace ew::test
