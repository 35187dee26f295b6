// Grouping: module derivation, function normalization, fingerprints and {{ default }}, and the
// seed client's generated fingerprint.
#include "ingest/grouping.h"

#include <gtest/gtest.h>

namespace ew::ingest {
namespace {

// btoa as the browser computes it (standard alphabet, padding), written here independently of
// the code under test.
std::string btoa(const std::string& s) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < s.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(s[i]) << 16) |
                 (static_cast<unsigned char>(s[i + 1]) << 8) | static_cast<unsigned char>(s[i + 2]);
    for (int k = 3; k >= 0; --k) out.push_back(kAlphabet[(v >> (6 * k)) & 63]);
  }
  if (i + 1 == s.size()) {
    unsigned v = static_cast<unsigned char>(s[i]) << 16;
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == s.size()) {
    unsigned v =
        (static_cast<unsigned char>(s[i]) << 16) | (static_cast<unsigned char>(s[i + 1]) << 8);
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
  }
  return out;
}

// The seed's generateErrorFingerprint.
std::string seed_fingerprint(const std::string& name, const std::string& message,
                             const std::string& stack) {
  std::string line1 = "Unknown stack";
  std::size_t nl = stack.find('\n');
  if (nl != std::string::npos) {
    std::size_t end = stack.find('\n', nl + 1);
    std::string l =
        stack.substr(nl + 1, end == std::string::npos ? std::string::npos : end - nl - 1);
    if (!l.empty()) line1 = l;
  }
  return btoa(name + "-" + (message.empty() ? "Unknown error" : message) + "-" + line1)
      .substr(0, 32);
}

ExceptionInfo exception(const std::string& type, const std::string& value,
                        const std::vector<std::pair<std::string, std::string>>& frames) {
  ExceptionInfo ex;
  ex.type = type;
  ex.value = value;
  int line = 10;
  for (const auto& [function, file] : frames) {
    Frame f;
    f.function = function;
    f.filename = file;
    f.line = line++;
    f.column = line * 7;
    ex.frames.push_back(f);
  }
  return ex;
}

std::string hash_of(const ExceptionInfo& ex, std::vector<std::string> fingerprint = {}) {
  GroupingInput in;
  in.exceptions.push_back(ex);
  in.fingerprint = std::move(fingerprint);
  return group_error(in).hash;
}

TEST(IngestGrouping, ModuleFromUrlDropsHashesQueryAndNoiseDirectories) {
  EXPECT_EQ(module_from_url("http://x/js/v1.0/foo/bar/baz.min.js"), "foo/bar/baz");
  EXPECT_EQ(module_from_url("https://app.example/assets/index-4f3a9c1e.js?v=2"), "assets/index");
  EXPECT_EQ(module_from_url("https://app.example/assets/index-BxY3kq9a.js"), "assets/index");
  EXPECT_EQ(module_from_url("https://app.example/static/js/main.3f9a1b2c.chunk.js"), "main.chunk");
  EXPECT_EQ(module_from_url("https://cdn.example/0123456789abcdef0123456789abcdef/app.js"), "app");
  EXPECT_EQ(module_from_url("https://app.example/src/components/Cart.tsx"), "src/components/Cart");
  EXPECT_EQ(module_from_url("<anonymous>"), "");
  EXPECT_EQ(module_from_url(""), "");
}

TEST(IngestGrouping, FunctionNamesAreCutAndAnonymousOrMinifiedOnesIgnored) {
  EXPECT_EQ(grouping_function("Object.handleClick"), "handleClick");
  EXPECT_EQ(grouping_function("HTMLButtonElement.onClick"), "onClick");
  EXPECT_EQ(grouping_function("?"), "");
  EXPECT_EQ(grouping_function("<anonymous>"), "");
  EXPECT_EQ(grouping_function("Object.<anonymous>"), "");
  EXPECT_EQ(grouping_function("foo/<"), "");
  EXPECT_EQ(grouping_function("Xe"), "");
  EXPECT_EQ(grouping_function("t"), "");
  EXPECT_EQ(grouping_function("render"), "render");
}

TEST(IngestGrouping, InAppRulesExcludeNodeModulesAndCdns) {
  Frame f;
  f.filename = "https://app.example/node_modules/.vite/deps/react-dom.js";
  EXPECT_FALSE(frame_in_app(f));
  f.filename = "https://unpkg.com/react@18/umd/react.production.min.js";
  EXPECT_FALSE(frame_in_app(f));
  f.filename = "https://app.example/assets/index-4f3a9c1e.js";
  EXPECT_TRUE(frame_in_app(f));
  f.in_app = false;
  EXPECT_FALSE(frame_in_app(f));
}

TEST(IngestGrouping, OneBugFromTwoBuildsIsOneIssue) {
  auto build1 = exception("TypeError", "Cannot read properties of undefined (reading 'map')",
                          {{"renderRoot", "https://app.example/assets/vendor-9b8c7d6e.js"},
                           {"ProductList", "https://app.example/assets/index-4f3a9c1e.js"}});
  auto build2 = exception("TypeError", "Cannot read properties of undefined (reading 'map')",
                          {{"renderRoot", "https://app.example/assets/vendor-Q1w2E3r4.js"},
                           {"ProductList", "https://app.example/assets/index-BxY3kq9a.js"}});
  build2.frames[1].line = 999;
  build2.frames[1].column = 4;
  EXPECT_EQ(hash_of(build1), hash_of(build2));
}

TEST(IngestGrouping, TwoBugsAreTwoIssues) {
  auto a = exception("TypeError", "x is undefined",
                     {{"ProductList", "https://app.example/assets/index-4f3a9c1e.js"}});
  auto b = exception("TypeError", "x is undefined",
                     {{"CheckoutForm", "https://app.example/assets/index-4f3a9c1e.js"}});
  auto c = exception("RangeError", "x is undefined",
                     {{"ProductList", "https://app.example/assets/index-4f3a9c1e.js"}});
  EXPECT_NE(hash_of(a), hash_of(b));
  EXPECT_NE(hash_of(a), hash_of(c));
}

TEST(IngestGrouping, ValueCountsOnlyWithoutNamedFrames) {
  // Named frames: the message may differ (ids inside) and it is still one issue.
  auto a = exception("Error", "order 17 failed", {{"submitOrder", "https://a.example/app.js"}});
  auto b = exception("Error", "cart is empty", {{"submitOrder", "https://a.example/app.js"}});
  EXPECT_EQ(hash_of(a), hash_of(b));
  // Minified frames only: the normalized value separates different errors...
  auto m1 = exception("Error", "order 17 failed", {{"Xe", "https://a.example/app-4f3a9c1e.js"}});
  auto m2 = exception("Error", "cart is empty", {{"Xe", "https://a.example/app-4f3a9c1e.js"}});
  auto m3 = exception("Error", "order 99 failed", {{"Qa", "https://a.example/app-77aa88bb.js"}});
  EXPECT_NE(hash_of(m1), hash_of(m2));
  // ...but numbers and renamed minified functions do not.
  EXPECT_EQ(hash_of(m1), hash_of(m3));
}

TEST(IngestGrouping, RecursionCollapses) {
  auto once = exception("RangeError", "Maximum call stack size exceeded",
                        {{"walk", "https://a.example/app.js"}});
  auto many = exception("RangeError", "Maximum call stack size exceeded",
                        {{"walk", "https://a.example/app.js"},
                         {"walk", "https://a.example/app.js"},
                         {"walk", "https://a.example/app.js"}});
  EXPECT_EQ(hash_of(once), hash_of(many));
}

TEST(IngestGrouping, ClientFingerprintReplacesAndDefaultRefines) {
  auto a = exception("TypeError", "a", {{"one", "https://a.example/app.js"}});
  auto b = exception("SyntaxError", "b", {{"two", "https://a.example/app.js"}});
  // Without {{ default }} the fingerprint alone decides.
  EXPECT_EQ(hash_of(a, {"checkout"}), hash_of(b, {"checkout"}));
  EXPECT_NE(hash_of(a, {"checkout"}), hash_of(a, {"cart"}));
  // ["{{ default }}"] is the default grouping.
  EXPECT_EQ(hash_of(a, {"{{ default }}"}), hash_of(a));
  EXPECT_EQ(hash_of(a, {"{{default}}"}), hash_of(a));
  // {{ default }} plus a value splits the default group and keeps different bugs apart.
  EXPECT_NE(hash_of(a, {"{{ default }}", "/cart"}), hash_of(a));
  EXPECT_NE(hash_of(a, {"{{ default }}", "/cart"}), hash_of(a, {"{{ default }}", "/checkout"}));
  EXPECT_NE(hash_of(a, {"{{ default }}", "/cart"}), hash_of(b, {"{{ default }}", "/cart"}));
  GroupingInput in;
  in.exceptions.push_back(a);
  in.fingerprint = {"{{ default }}", "/cart"};
  EXPECT_EQ(group_error(in).kind, "fingerprint+default");
}

TEST(IngestGrouping, MessagesWithoutExceptionAreNormalized) {
  GroupingInput a, b, c;
  a.message = "Failed to load user 123 from https://api.example/u/123";
  b.message = "Failed to load user 456 from https://api.example/u/456";
  c.message = "Failed to save user 456";
  EXPECT_EQ(group_error(a).hash, group_error(b).hash);
  EXPECT_NE(group_error(a).hash, group_error(c).hash);
  EXPECT_EQ(group_error(a).title, "Failed to load user 123 from https://api.example/u/123");
  EXPECT_EQ(group_error(a).kind, "message");
}

TEST(IngestGrouping, TitleAndCulprit) {
  auto ex = exception("TypeError", "x is undefined\nsecond line",
                      {{"outer", "https://a.example/assets/index-4f3a9c1e.js"},
                       {"Cart.handleSave", "https://a.example/assets/index-4f3a9c1e.js"},
                       {"dispatch", "https://a.example/node_modules/react-dom/index.js"}});
  GroupingInput in;
  in.exceptions.push_back(ex);
  Grouping g = group_error(in);
  EXPECT_EQ(g.title, "TypeError: x is undefined");
  EXPECT_EQ(g.culprit, "Cart.handleSave(assets/index)");
  EXPECT_EQ(g.type, "TypeError");
}

TEST(IngestGrouping, RecognisesTheSeedsGeneratedFingerprint) {
  const std::string stack =
      "TypeError: Cannot read properties of undefined (reading 'map')\n"
      "    at ProductList (https://app.example/assets/index-4f3a9c1e.js:40:21512)\n"
      "    at renderWithHooks (https://app.example/assets/vendor-9b8c7d6e.js:1:2)";
  const std::string message = "Cannot read properties of undefined (reading 'map')";
  const std::string fp = seed_fingerprint("TypeError", message, stack);
  ASSERT_EQ(fp.size(), 32u);
  EXPECT_TRUE(is_seed_generated_fingerprint(fp, "TypeError", message, stack_line(stack, 1)));
  // Name unknown (a stack without V8's header line): any identifier is accepted.
  EXPECT_TRUE(is_seed_generated_fingerprint(fp, "", message, stack_line(stack, 1)));
  // The Sentry path knows type and value but not the raw frame line.
  EXPECT_TRUE(is_seed_generated_fingerprint(fp, "TypeError", message, std::nullopt));
  // A fingerprint the app chose is not mistaken for a generated one.
  EXPECT_FALSE(is_seed_generated_fingerprint("checkout-failure", "TypeError", message,
                                             stack_line(stack, 1)));
  EXPECT_FALSE(is_seed_generated_fingerprint(btoa("RangeError-Cannot read").substr(0, 32),
                                             "TypeError", message, stack_line(stack, 1)));
  // Short inputs are not cut: "Error-x-Unknown stack" is 21 bytes, 28 characters of base64.
  const std::string short_fp = seed_fingerprint("Error", "x", "Error: x");
  EXPECT_EQ(short_fp.size(), 28u);
  EXPECT_TRUE(is_seed_generated_fingerprint(short_fp, "Error", "x", stack_line("Error: x", 1)));
  EXPECT_FALSE(is_seed_generated_fingerprint(short_fp, "Error", "y", stack_line("Error: x", 1)));
}

TEST(IngestGrouping, GeneratedFingerprintsNameTheError) {
  EXPECT_EQ(seed_fingerprint_name(seed_fingerprint("TypeError", "x", "handler@a.js:1:1")),
            "TypeError");
  EXPECT_EQ(seed_fingerprint_name("checkout-failure"), "");
  EXPECT_EQ(seed_fingerprint_name(""), "");
}

TEST(IngestGrouping, GeneratedFingerprintsWouldLumpUnrelatedErrors) {
  // The trap: two different bugs share the first 24 characters, hence the seed's fingerprint.
  const std::string m1 = "Cannot read properties of undefined (reading 'map')";
  const std::string m2 = "Cannot read properties of undefined (reading 'id')";
  const std::string s1 = "TypeError: " + m1 + "\n    at ProductList (https://a.example/a.js:1:1)";
  const std::string s2 = "TypeError: " + m2 + "\n    at UserMenu (https://a.example/b.js:9:9)";
  EXPECT_EQ(seed_fingerprint("TypeError", m1, s1), seed_fingerprint("TypeError", m2, s2));
}

}  // namespace
}  // namespace ew::ingest
