#include <gtest/gtest.h>

#include "core/cidr.h"
#include "core/request_rules.h"

namespace ew {
namespace {

Request make_request(std::vector<HeaderField> headers, unsigned version = 11) {
  Request r;
  r.method = Method::kPost;
  r.method_name = "POST";
  r.version = version;
  r.mutable_headers() = std::move(headers);
  return r;
}

int framing_status(std::vector<HeaderField> headers, unsigned version = 11) {
  auto refusal = check_framing(make_request(std::move(headers), version));
  return refusal ? refusal->status : 0;
}

TEST(RequestRules, ChunkedAloneOrContentLengthAloneFrameABody) {
  EXPECT_EQ(framing_status({{"Transfer-Encoding", "chunked"}}), 0);
  EXPECT_EQ(framing_status({{"Transfer-Encoding", " Chunked "}}), 0);
  EXPECT_EQ(framing_status({{"Content-Length", "5"}}), 0);
  EXPECT_EQ(framing_status({{"TE", "trailers"}, {"Content-Length", "5"}}), 0)
      << "the TE request field is unrelated to Transfer-Encoding";
}

TEST(RequestRules, AFinalCodingOtherThanChunkedCannotBeFramed) {
  EXPECT_EQ(framing_status({{"Transfer-Encoding", "gzip"}}), 400);
  EXPECT_EQ(framing_status({{"Transfer-Encoding", "chunked, identity"}}), 400);
  EXPECT_EQ(framing_status({{"Transfer-Encoding", "xchunked"}}), 400);
  EXPECT_EQ(framing_status({{"Transfer-Encoding", ""}}), 400);
  EXPECT_EQ(framing_status({{"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "gzip"}}), 400)
      << "several fields form one list";
  EXPECT_EQ(framing_status({{"Transfer-Encoding", "chunked, chunked"}}), 400);
}

TEST(RequestRules, CodingsBeforeChunkedAreNotImplemented) {
  auto refusal = check_framing(make_request({{"Transfer-Encoding", "gzip, chunked"}}));
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->status, 501);
  EXPECT_NE(refusal->message.find("gzip"), std::string::npos) << refusal->message;
  EXPECT_EQ(framing_status({{"Transfer-Encoding", "gzip"}, {"Transfer-Encoding", "chunked"}}), 501);
}

TEST(RequestRules, TransferEncodingWithContentLengthOrInHttp10IsRefused) {
  EXPECT_EQ(framing_status({{"Transfer-Encoding", "chunked"}, {"Content-Length", "5"}}), 400);
  EXPECT_EQ(framing_status({{"Content-Length", "5"}, {"Transfer-Encoding", "xchunked"}}), 400);
  EXPECT_EQ(framing_status({{"Transfer-Encoding", "chunked"}}, 10), 400);
}

int host_status(std::vector<HeaderField> headers, unsigned version = 11) {
  auto refusal = check_host(make_request(std::move(headers), version));
  return refusal ? refusal->status : 0;
}

TEST(RequestRules, Http11NeedsExactlyOneValidHost) {
  EXPECT_EQ(host_status({{"Host", "app.example"}}), 0);
  EXPECT_EQ(host_status({{"Host", "app.example:8080"}}), 0);
  EXPECT_EQ(host_status({{"Host", "127.0.0.1:80"}}), 0);
  EXPECT_EQ(host_status({{"Host", "[::1]:8080"}}), 0);
  EXPECT_EQ(host_status({}), 400);
  EXPECT_EQ(host_status({{"Host", "a.example"}, {"Host", "b.example"}}), 400);
  EXPECT_EQ(host_status({{"Host", "evil.com/x?@a"}}), 400);
  EXPECT_EQ(host_status({{"Host", ""}}), 400);
}

TEST(RequestRules, Http10MayOmitHostButNotSendABadOne) {
  EXPECT_EQ(host_status({}, 10), 0);
  EXPECT_EQ(host_status({{"Host", "a b"}}, 10), 400);
  EXPECT_EQ(host_status({{"Host", "a"}, {"Host", "a"}}, 10), 400);
}

TEST(RequestRules, ValidHosts) {
  for (const char* host : {"a", "app.example", "app.example.", "my_host", "x-1.example:65535",
                           "[::1]", "[2001:db8::1]:443", "[::ffff:127.0.0.1]"}) {
    EXPECT_TRUE(is_valid_host(host)) << host;
  }
  for (const char* host :
       {"", ":80", "a:", "a:65536", "a:123456", "a:8o", "user@a", "a/b", "a?b", "a#b", "a b",
        "a\\b", "a..b", "[::1", "[]", "[::1]x", "[zz::1]", "a,b", "a%2fb"}) {
    EXPECT_FALSE(is_valid_host(host)) << host;
  }
}

TEST(RequestRules, AbsoluteFormSplitsAuthorityAndOriginForm) {
  auto target = split_absolute_form("http://app.example:8080/api/x?q=1");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->authority, "app.example:8080");
  EXPECT_EQ(target->origin_form, "/api/x?q=1");
  target = split_absolute_form("HTTPS://app.example");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->authority, "app.example");
  EXPECT_EQ(target->origin_form, "");
  target = split_absolute_form("http://a?x");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->authority, "a");
  EXPECT_EQ(target->origin_form, "?x");
  EXPECT_FALSE(split_absolute_form("/api/x"));
  EXPECT_FALSE(split_absolute_form("/redirect?to=http://x/"));
  EXPECT_FALSE(split_absolute_form("ftp://a/b"));
}

std::string resolve(std::string_view path, EscapedSlashes mode = EscapedSlashes::kKeep) {
  std::string out;
  auto refusal = resolve_dot_segments(path, mode, out);
  if (refusal) return "refused " + std::to_string(refusal->status);
  return out.empty() ? "unchanged" : out;
}

TEST(RequestRules, PathsWithoutDotSegmentsAreLeftAlone) {
  EXPECT_EQ(resolve("/"), "unchanged");
  EXPECT_EQ(resolve("/api/chat"), "unchanged");
  EXPECT_EQ(resolve("/assets/index-abc.js"), "unchanged");
  EXPECT_EQ(resolve("/a/.well-known/x"), "unchanged");
  EXPECT_EQ(resolve("/a/...b/..c/c../"), "unchanged");
  EXPECT_EQ(resolve("/a//b"), "unchanged");
  EXPECT_EQ(resolve("*"), "unchanged");
  EXPECT_EQ(resolve("/users/a%2Fb"), "unchanged") << "encoded slashes are kept by default";
}

TEST(RequestRules, DotSegmentsResolveInEverySpelling) {
  EXPECT_EQ(resolve("/v2/../admin"), "/admin");
  EXPECT_EQ(resolve("/v2/%2e%2e/admin"), "/admin");
  EXPECT_EQ(resolve("/v2/.%2E/admin"), "/admin");
  EXPECT_EQ(resolve("/v2/%2E./admin"), "/admin");
  EXPECT_EQ(resolve("/v2/x/../../admin"), "/admin");
  EXPECT_EQ(resolve("/a/./b/."), "/a/b/");
  EXPECT_EQ(resolve("/a/%2e/b"), "/a/b");
  EXPECT_EQ(resolve("/a/b/.."), "/a/");
  EXPECT_EQ(resolve("/a/.."), "/");
  EXPECT_EQ(resolve("/."), "/");
}

TEST(RequestRules, ClimbingAboveTheRootIsRefused) {
  EXPECT_EQ(resolve("/.."), "refused 400");
  EXPECT_EQ(resolve("/../etc/passwd"), "refused 400");
  EXPECT_EQ(resolve("/a/../../b"), "refused 400");
  EXPECT_EQ(resolve("/%2e%2e/x"), "refused 400");
}

TEST(RequestRules, DotSegmentsBesideEncodedSlashesAreRefused) {
  EXPECT_EQ(resolve("/v2/x/..%2f../admin"), "refused 400");
  EXPECT_EQ(resolve("/v2/..%2Fadmin"), "refused 400");
  EXPECT_EQ(resolve("/v2/%2e%2e%5cadmin"), "refused 400");
  EXPECT_EQ(resolve("/v2/..\\admin"), "refused 400");
  EXPECT_EQ(resolve("/v2/a%2f../b"), "refused 400");
}

TEST(RequestRules, RejectModeRefusesEveryEncodedSlash) {
  EXPECT_EQ(resolve("/users/a%2Fb", EscapedSlashes::kReject), "refused 400");
  EXPECT_EQ(resolve("/users/a%5cb", EscapedSlashes::kReject), "refused 400");
  EXPECT_EQ(resolve("/users/a\\b", EscapedSlashes::kReject), "refused 400");
  EXPECT_EQ(resolve("/users/a%25b", EscapedSlashes::kReject), "unchanged");
}

TEST(RequestRules, ClientBehindTrustedProxiesIsTheRightmostUntrustedHop) {
  std::string bad;
  auto trusted = CidrSet::parse({"10.0.0.0/8", "192.0.2.1"}, &bad);
  ASSERT_TRUE(trusted);
  EXPECT_EQ(client_behind_proxies("10.1.1.1", "203.0.113.5", *trusted), "203.0.113.5");
  EXPECT_EQ(client_behind_proxies("10.1.1.1", "1.1.1.1, 203.0.113.5, 192.0.2.1", *trusted),
            "203.0.113.5")
      << "every trusted hop is skipped; what the client itself wrote first is not believed";
  EXPECT_EQ(client_behind_proxies("10.1.1.1", " 203.0.113.5 ,10.2.2.2", *trusted), "203.0.113.5");
  EXPECT_EQ(client_behind_proxies("198.51.100.7", "203.0.113.5", *trusted), "198.51.100.7")
      << "an untrusted peer names nobody";
  EXPECT_EQ(client_behind_proxies("10.1.1.1", "", *trusted), "10.1.1.1");
  EXPECT_EQ(client_behind_proxies("10.1.1.1", "203.0.113.5, garbage", *trusted), "10.1.1.1")
      << "a garbled hop ends the walk at the last good one";
  EXPECT_EQ(client_behind_proxies("10.1.1.1", "10.3.3.3", *trusted), "10.3.3.3")
      << "only trusted hops: the leftmost is the client";
  EXPECT_EQ(client_behind_proxies("10.1.1.1", "2001:db8::1", *trusted), "2001:db8::1");
  CidrSet none;
  EXPECT_EQ(client_behind_proxies("10.1.1.1", "203.0.113.5", none), "10.1.1.1");
}

}  // namespace
}  // namespace ew
