#include "core/router.h"

#include <gtest/gtest.h>

namespace ew {
namespace {

Handler tagged(std::string tag) {
  return [tag](Request&, Responder& r) {
    Response response;
    response.body = tag;
    r.send(std::move(response));
  };
}

std::string run(const Router& router, Method method, std::string_view path) {
  Request request;
  RouteMatch m = router.match(method, path, &request);
  if (!m.route) return m.method_not_allowed ? "405:" + m.allow : "404";
  struct Capture : ResponseSink {
    std::string body;
    void complete(Response&& r) override { body = r.body; }
  };
  auto sink = std::make_shared<Capture>();
  Responder responder(sink);
  m.route->handler(request, responder);
  return sink->body;
}

TEST(Router, ExactBeatsPatternBeatsLongestPrefix) {
  Router router;
  router.prefix(kAnyMethod, "/", tagged("root"));
  router.prefix(kAnyMethod, "/api/", tagged("api"));
  router.prefix(kAnyMethod, "/api/monitoring/", tagged("monitoring"));
  router.pattern(kAnyMethod, "/api/items/{id}", tagged("item"));
  router.exact(kAnyMethod, "/api/health", tagged("health"));
  EXPECT_EQ(run(router, Method::kGet, "/api/health"), "health");
  EXPECT_EQ(run(router, Method::kGet, "/api/items/42"), "item");
  EXPECT_EQ(run(router, Method::kGet, "/api/items/42/more"), "api");
  EXPECT_EQ(run(router, Method::kGet, "/api/monitoring/x"), "monitoring");
  EXPECT_EQ(run(router, Method::kGet, "/api/chat"), "api");
  EXPECT_EQ(run(router, Method::kGet, "/index.html"), "root");
}

TEST(Router, PrefixOrderDoesNotDependOnRegistrationOrder) {
  Router a;
  a.prefix(kAnyMethod, "/api/", tagged("api"));
  a.prefix(kAnyMethod, "/", tagged("root"));
  Router b;
  b.prefix(kAnyMethod, "/", tagged("root"));
  b.prefix(kAnyMethod, "/api/", tagged("api"));
  EXPECT_EQ(run(a, Method::kGet, "/api/x"), "api");
  EXPECT_EQ(run(b, Method::kGet, "/api/x"), "api");
}

TEST(Router, MethodsSelectAmongRoutesOfOnePathAnd405ListsAllowed) {
  Router router;
  router.exact(kGetHead, "/things", tagged("list"));
  router.exact(method_bit(Method::kPost), "/things", tagged("create"));
  EXPECT_EQ(run(router, Method::kGet, "/things"), "list");
  EXPECT_EQ(run(router, Method::kHead, "/things"), "list");
  EXPECT_EQ(run(router, Method::kPost, "/things"), "create");
  EXPECT_EQ(run(router, Method::kDelete, "/things"), "405:GET, HEAD, POST");
  EXPECT_EQ(run(router, Method::kGet, "/nothing"), "404");
}

TEST(Router, PatternCapturesWholeSegments) {
  Router router;
  router.pattern(kAnyMethod, "/p/{project}/envelope/", tagged("env"));
  Request request;
  RouteMatch m = router.match(Method::kPost, "/p/17/envelope/", &request);
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(request.param("project"), "17");
  EXPECT_EQ(router.match(Method::kPost, "/p//envelope/").route, nullptr);
  EXPECT_EQ(router.match(Method::kPost, "/p/17/envelope").route, nullptr);
  EXPECT_EQ(router.match(Method::kPost, "/p/1/7/envelope/").route, nullptr);
}

TEST(Router, RejectsDuplicatesAndMalformedPatterns) {
  Router router;
  router.exact(kGetHead, "/a", tagged("a"));
  EXPECT_THROW(router.exact(method_bit(Method::kGet), "/a", tagged("b")), std::invalid_argument);
  EXPECT_THROW(router.pattern(kAnyMethod, "/x{id}", tagged("c")), std::invalid_argument);
  EXPECT_THROW(router.pattern(kAnyMethod, "/x/{}", tagged("c")), std::invalid_argument);
  EXPECT_THROW(router.exact(kAnyMethod, "relative", tagged("c")), std::invalid_argument);
}

TEST(Responder, UnsentResponderAnswers500) {
  struct Capture : ResponseSink {
    int status = 0;
    void complete(Response&& r) override { status = r.status; }
  };
  auto sink = std::make_shared<Capture>();
  { Responder dropped(sink); }
  EXPECT_EQ(sink->status, 500);
  auto sink2 = std::make_shared<Capture>();
  {
    Responder r(sink2);
    r.send(Response(204));
    r.send(Response(418));  // ignored
  }
  EXPECT_EQ(sink2->status, 204);
}

}  // namespace
}  // namespace ew
