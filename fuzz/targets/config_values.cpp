// Values that arrive as text from configuration files, environment variables and flags (sizes,
// durations, listen addresses, upstream URLs, trusted-proxy CIDRs), and the request id and query
// strings of requests. What is accepted is well-formed, and what check-config prints (sizes and
// durations) reads back as the same value.
#include <algorithm>

#include "check.h"
#include "config/config.h"
#include "config/internal.h"
#include "core/cidr.h"
#include "core/query.h"
#include "core/request_id.h"

namespace {

void check_quantities(std::string_view text) {
  if (std::optional<std::uint64_t> size = ew::config::parse_size(text)) {
    FUZZ_CHECK(ew::config::parse_size(ew::config::internal::format_size(*size)) == size);
  }
  if (std::optional<std::chrono::milliseconds> duration = ew::config::parse_duration(text)) {
    FUZZ_CHECK(duration->count() >= 0);
    FUZZ_CHECK(ew::config::parse_duration(ew::config::internal::format_duration(*duration)) ==
               duration);
  }
}

void check_addresses(std::string_view text) {
  if (std::optional<ew::config::ListenAddress> listen = ew::config::parse_listen(text)) {
    // Port 0 (any free port, which tests use) only when the text says 0.
    std::string_view port = text.substr(text.rfind(':') + 1);
    FUZZ_CHECK(listen->port != 0 || port.find_first_not_of('0') == std::string_view::npos);
  }
  if (std::optional<ew::config::Url> url = ew::config::parse_url(text)) {
    FUZZ_CHECK(!url->scheme.empty() && !url->host.empty());
    FUZZ_CHECK(!url->path.empty() && url->path.front() == '/');
  }
  std::vector<std::string> entries;
  std::string_view rest = text;
  while (!rest.empty() && entries.size() < 8) {
    auto [entry, tail] = ew::fuzz::split_once(rest, '\n');
    entries.emplace_back(entry);
    rest = tail;
  }
  std::string error;
  if (auto cidrs = ew::CidrSet::parse(entries, &error)) {
    for (const std::string& entry : entries) (void)cidrs->contains(entry);
  } else {
    // The refusal names the entry at fault, for the configuration error to quote.
    FUZZ_CHECK(std::find(entries.begin(), entries.end(), error) != entries.end());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = ew::fuzz::as_text(data, size);
  check_quantities(text);
  check_addresses(text);
  (void)ew::config::did_you_mean(text, {"listen", "workers", "root", "upstream"});

  if (ew::is_sane_request_id(text)) {
    // A request id is echoed in a response header and written to logs: it must be safe there.
    for (unsigned char c : text) FUZZ_CHECK(c > 0x20 && c < 0x7f);
  }
  (void)ew::percent_decode(text);
  (void)ew::query_param(text, "sentry_key");
  return 0;
}
