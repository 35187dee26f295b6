// Grouping errors into issues. Every error gets a fingerprint hash:
//   1. a client fingerprint when sent (the seed's string or Sentry's array); "{{ default }}" in
//      it stands for the default components below, so it refines rather than replaces;
//   2. otherwise the exception type plus its normalized in-app frames (module derived from the
//      script URL with hashes, query, line and column dropped; function cut to its last
//      '.'-segment), plus the normalized value when no frame names a function;
//   3. otherwise the normalized message.
// The seed client's own generated fingerprint (btoa(name-message-frame).slice(0, 32)) covers
// only 24 characters and would lump unrelated errors together; it is recognised and ignored.
// docs/monitoring.md describes the rules in full.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/stacktrace.h"

namespace ew::ingest {

struct ExceptionInfo {
  std::string type;
  std::string value;
  bool synthetic = false;     // mechanism.synthetic: the type is made up, not grouped on
  std::vector<Frame> frames;  // oldest first
};

struct GroupingInput {
  std::vector<ExceptionInfo> exceptions;  // the chain, oldest first; the last one was thrown
  std::string message;                    // used when there is no exception
  std::vector<std::string> fingerprint;   // the client's; empty for none
  std::string transaction;                // "{{ transaction }}" and the culprit fallback
};

struct Grouping {
  std::string hash;  // 32 hex digits: the issue key within a project
  std::string kind;  // "fingerprint", "fingerprint+default", "exception" or "message"
  std::vector<std::string> components;  // the values hashed, for display and debugging
  std::string title;                    // "TypeError: x is undefined", at most 200 bytes
  std::string culprit;                  // "handleClick(src/cart)", at most 200 bytes
  std::string type;
};

Grouping group_error(const GroupingInput& input);

// Sentry's JavaScript module from a script URL, extended to strip bundler hashes:
// "https://app.example/assets/index-4f3a9c1e.js?v=2" -> "assets/index",
// "http://x/js/v1.0/foo/bar/baz.min.js" -> "foo/bar/baz". "" when nothing is left.
std::string module_from_url(std::string_view url);

// The function name as grouping uses it, or "" when it does not contribute: anonymous markers,
// and names of one or two characters (minifier output, which changes between builds).
std::string grouping_function(std::string_view function);

// Whether a frame belongs to the application (SDK flag, then the default rules: node_modules and
// public CDNs are not), and whether it is left out of grouping altogether.
bool frame_in_app(const Frame& frame);
bool frame_ignored(const Frame& frame);

// Recognises the seed's generateErrorFingerprint output. `name` may be empty when unknown (then
// any identifier is accepted in its place); `first_frame_line` is error.stack.split('\n')[1]
// when known, nullopt when not (Sentry events), "" when the stack had no second line.
bool is_seed_generated_fingerprint(std::string_view fingerprint, std::string_view name,
                                   std::string_view message,
                                   std::optional<std::string_view> first_frame_line);
// The error name a generated fingerprint starts with ("TypeError"), or "" when it holds none.
// Useful when the stack does not say (SpiderMonkey and JavaScriptCore stacks have no header).
std::string seed_fingerprint_name(std::string_view fingerprint);

}  // namespace ew::ingest
