// Access-log lines are valid UTF-8 and valid JSON whatever bytes the client sent: invalid UTF-8
// becomes U+FFFD, control characters are escaped, valid multi-byte characters pass unchanged.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ingest/text.h"
#include "log/log.h"
#include "util/json_text.h"

namespace ew {
namespace {

const std::string kReplacement = "\xef\xbf\xbd";  // U+FFFD

std::string escaped(std::string_view text) {
  std::string out;
  append_json_escaped(out, text);
  return out;
}

TEST(LogAccessUtf8, InvalidSequencesBecomeReplacementCharacters) {
  EXPECT_EQ(escaped("a\xff"
                    "b"),
            "a" + kReplacement + "b");
  EXPECT_EQ(escaped("\xc3"), kReplacement);                     // truncated sequence
  EXPECT_EQ(escaped("\xc0\xaf"), kReplacement + kReplacement);  // overlong '/'
  EXPECT_EQ(escaped("\xed\xa0\x80"), kReplacement + kReplacement + kReplacement);  // surrogate
  EXPECT_EQ(escaped("\xf4\x90\x80\x80").size(), 4 * kReplacement.size());          // above U+10FFFF
  EXPECT_EQ(escaped("\x80"), kReplacement);  // lone continuation byte
}

TEST(LogAccessUtf8, ValidTextAndControlCharacters) {
  EXPECT_EQ(escaped("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  EXPECT_EQ(escaped("\"q\" \\ \n\t\x01\x7f"), "\\\"q\\\" \\\\ \\n\\t\\u0001\\u007f");
  std::string quoted;
  append_json_string(quoted, "x\xfey");
  EXPECT_EQ(quoted, "\"x" + kReplacement + "y\"");
}

TEST(LogAccessUtf8, AccessLineWithRawBytesIsValidJson) {
  log::AccessRecord r;
  r.request_id = "rid";
  r.method = "GET";
  r.path = std::string_view("/a\xff\0z", 5);
  r.status = 200;
  r.client = "127.0.0.1";
  r.user_agent = "Mozilla/5.0 \xff\xfe\x1b[31m \"quoted\"";
  const std::string line = log::format_access(r, log::AccessFormat::kJson);
  EXPECT_FALSE(ingest::find_invalid_utf8(line).has_value()) << line;
  nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << line;
  EXPECT_EQ(j["user_agent"], "Mozilla/5.0 " + kReplacement + kReplacement + "\x1b[31m \"quoted\"");
  EXPECT_EQ(j["path"], std::string("/a") + kReplacement + std::string("\0z", 2));
  const std::string text = log::format_access(r, log::AccessFormat::kText);
  EXPECT_FALSE(ingest::find_invalid_utf8(text).has_value()) << text;
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << "no raw terminal escapes";
}

// The ingestion validator and the escaper read UTF-8 through one decoder.
TEST(LogAccessUtf8, ValidatorAgreesWithTheEscaper) {
  for (const std::string s :
       {"ok", "\xc3\xa9", "a\xff", "\xe2\x82", "\xf0\x9f\x98\x80", "\xed\xa0\x80", "\xc1\xbf"}) {
    const bool valid = !ingest::find_invalid_utf8(s).has_value();
    EXPECT_EQ(valid, escaped(s) == s) << s;
  }
}

}  // namespace
}  // namespace ew
