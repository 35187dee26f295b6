#include "ingest/grouping.h"

#include <cctype>

#include "ingest/normalize.h"
#include "ingest/text.h"

namespace ew::ingest {
namespace {

constexpr std::size_t kMaxGroupingFrames = 50;
constexpr std::size_t kTitleMax = 200;

bool all_hex(std::string_view s) {
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return !s.empty();
}

bool all_digits_dots(std::string_view s) {
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.') return false;
  }
  return !s.empty() && std::isdigit(static_cast<unsigned char>(s.back()));
}

// A leading directory that says nothing about the code: Sentry's CLEAN_MODULE_RE prefixes.
bool noise_directory(std::string_view d) {
  static constexpr std::string_view kNames[] = {"js",      "javascript",   "script",
                                                "scripts", "javascripts",  "build",
                                                "static",  "node_modules", "bower_components"};
  for (std::string_view n : kNames) {
    if (d == n) return true;
  }
  if (d.empty() || d[0] == '_' || d[0] == '.' || d[0] == '~') return true;
  if (all_digits_dots(d) || (d[0] == 'v' && all_digits_dots(d.substr(1)))) return true;
  if (all_hex(d) && (d.size() == 7 || d.size() == 8 || d.size() == 32 || d.size() == 40)) {
    return true;
  }
  return false;
}

std::string first_line(std::string_view text) {
  text = trim_space(text);
  const std::size_t nl = text.find('\n');
  return std::string(trim_space(text.substr(0, nl)));
}

struct FrameComponents {
  std::vector<std::string> values;
  bool any_function = false;
};

FrameComponents frame_components(const std::vector<Frame>& frames, bool only_in_app) {
  FrameComponents out;
  const std::size_t start =
      frames.size() > kMaxGroupingFrames ? frames.size() - kMaxGroupingFrames : 0;
  for (std::size_t i = start; i < frames.size(); ++i) {
    const Frame& f = frames[i];
    if (frame_ignored(f) || (only_in_app && !frame_in_app(f))) continue;
    std::string module = f.module.empty() ? module_from_url(f.filename) : f.module;
    std::string function = grouping_function(f.function);
    if (module.empty() && function.empty()) continue;
    std::string value = "frame:" + module + ":" + function;
    // After line numbers are gone, recursion shows as identical neighbours: keep one.
    if (!out.values.empty() && out.values.back() == value) continue;
    out.any_function = out.any_function || !function.empty();
    out.values.push_back(std::move(value));
  }
  return out;
}

std::string culprit_of(const std::vector<Frame>& frames) {
  for (auto it = frames.rbegin(); it != frames.rend(); ++it) {
    if (frame_ignored(*it) || !frame_in_app(*it)) continue;
    std::string module = it->module.empty() ? module_from_url(it->filename) : it->module;
    std::string function = std::string(trim_space(it->function));
    if (module.empty() && function.empty()) continue;
    return (function.empty() ? "?" : function) + "(" + module + ")";
  }
  return {};
}

bool is_default_variable(std::string_view s) {
  return s == "{{ default }}" || s == "{{default}}";
}

}  // namespace

std::string module_from_url(std::string_view url) {
  if (url.empty() || url.front() == '<' || url.front() == '[') return {};
  std::string_view path = split_url(url).path;
  // Drop the extension and a ".min" suffix from the last segment.
  const std::size_t slash = path.rfind('/');
  const std::size_t dot = path.rfind('.');
  if (dot != std::string_view::npos && (slash == std::string_view::npos || dot > slash)) {
    path = path.substr(0, dot);
  }
  if (path.ends_with(".min")) path.remove_suffix(4);
  std::vector<std::string_view> tokens;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    std::size_t next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    tokens.push_back(path.substr(pos, next - pos));
    pos = next + 1;
  }
  // A 32- or 40-hex segment is a build id: only what follows it names the module.
  std::size_t begin = 0;
  for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
    if (all_hex(tokens[i]) && (tokens[i].size() == 32 || tokens[i].size() == 40)) begin = i + 1;
  }
  // Strip leading noise directories, but never the file itself.
  while (begin + 1 < tokens.size() && noise_directory(tokens[begin])) ++begin;
  std::string out;
  for (std::size_t i = begin; i < tokens.size(); ++i) {
    if (!out.empty()) out.push_back('/');
    out += i + 1 == tokens.size() ? strip_build_hash(tokens[i]) : std::string(tokens[i]);
  }
  return std::string(utf8_prefix(out, 200));
}

std::string grouping_function(std::string_view function) {
  function = trim_space(function);
  if (function.ends_with("/<") || function.ends_with("/<<")) return {};
  const std::size_t dot = function.rfind('.');
  if (dot != std::string_view::npos && dot + 1 < function.size()) {
    function = function.substr(dot + 1);
  }
  if (function.empty() || function == "?" || function == "<anonymous>" ||
      function == "<anonymous function>" || function == "Anonymous function" ||
      function == "global code" || function == "module code" || function == "eval code") {
    return {};
  }
  if (function.size() <= 2) return {};  // minified
  return std::string(utf8_prefix(function, 200));
}

bool frame_in_app(const Frame& frame) {
  if (frame.in_app.has_value() && !*frame.in_app) return false;
  const std::string_view f = frame.filename;
  if (f.find("/node_modules/") != std::string_view::npos) return false;
  const std::string host = ascii_lower(split_url(f).host);
  for (std::string_view cdn :
       {"unpkg.com", "cdnjs.cloudflare.com", "cdn.jsdelivr.net", "esm.run"}) {
    if (host == cdn) return false;
  }
  return true;
}

bool frame_ignored(const Frame& frame) {
  const std::string_view f = frame.filename;
  const std::string_view fn = trim_space(frame.function);
  if (fn == "eval" || f == "[native code]" || f == "native code" || f == "eval code" ||
      f == "<anonymous>" || f == "native") {
    return true;
  }
  if (f.empty() && fn.empty()) return true;
  for (std::string_view lib : {"/@babel/", "/core-js/", "/regenerator-runtime/", "/tslib/"}) {
    if (f.find(lib) != std::string_view::npos) return true;
  }
  return false;
}

Grouping group_error(const GroupingInput& input) {
  Grouping g;
  std::vector<std::string> defaults;
  if (!input.exceptions.empty()) {
    const ExceptionInfo& ex = input.exceptions.back();
    g.kind = "exception";
    g.type = ex.type.empty() ? "Error" : ex.type;
    FrameComponents frames = frame_components(ex.frames, /*only_in_app=*/true);
    if (frames.values.empty()) frames = frame_components(ex.frames, /*only_in_app=*/false);
    if (!ex.synthetic) defaults.push_back("type:" + g.type);
    for (std::string& v : frames.values) defaults.push_back(std::move(v));
    if (!frames.any_function) defaults.push_back("value:" + normalize_message(ex.value));
    const std::string value = first_line(ex.value);
    g.title = value.empty() ? g.type : g.type + ": " + value;
    g.culprit = culprit_of(ex.frames);
  } else {
    g.kind = "message";
    const std::string message = normalize_message(input.message);
    defaults.push_back("message:" + message);
    g.title = first_line(input.message);
    if (g.title.empty()) g.title = "<untitled>";
  }
  if (g.culprit.empty()) g.culprit = input.transaction;

  if (!input.fingerprint.empty()) {
    bool has_default = false;
    for (const std::string& part : input.fingerprint) {
      if (is_default_variable(part)) {
        has_default = true;
        g.components.insert(g.components.end(), defaults.begin(), defaults.end());
      } else if (part == "{{ type }}" || part == "{{type}}") {
        g.components.push_back("fp:" + g.type);
      } else if (part == "{{ transaction }}" || part == "{{transaction}}") {
        g.components.push_back("fp:" + input.transaction);
      } else {
        g.components.push_back("fp:" + part);
      }
    }
    // ["{{ default }}"] alone is the default grouping and must hash like it.
    if (!(has_default && input.fingerprint.size() == 1)) {
      g.kind = has_default ? "fingerprint+default" : "fingerprint";
    }
  } else {
    g.components = std::move(defaults);
  }
  std::string hashed = "edgewatch-grouping-v1";
  for (const std::string& c : g.components) {
    hashed.push_back('\n');
    hashed += c;
  }
  g.hash = md5_hex(hashed);
  g.title = std::string(utf8_prefix(g.title, kTitleMax));
  g.culprit = std::string(utf8_prefix(g.culprit, kTitleMax));
  return g;
}

bool is_seed_generated_fingerprint(std::string_view fingerprint, std::string_view name,
                                   std::string_view message,
                                   std::optional<std::string_view> first_frame_line) {
  if (fingerprint.empty() || fingerprint.size() > 32) return false;
  // btoa output is a multiple of 4 long unless .slice(0, 32) cut it.
  if (fingerprint.size() < 32 && fingerprint.size() % 4 != 0) return false;
  std::optional<std::string> decoded = base64_decode(fingerprint);
  if (!decoded || decoded->empty()) return false;
  std::string_view d = *decoded;
  // 32 characters decode to 24 bytes: the string was at least that long and may have been cut.
  // Shorter strings give 30 or 31 characters' worth, whole.
  const bool cut = d.size() == 24;

  std::optional<std::string> msg = utf8_to_latin1(message.empty() ? "Unknown error" : message);
  if (!msg) return false;
  std::string tail = *msg + "-";  // after "name-"
  std::optional<std::string> line;
  if (first_frame_line) {
    line = utf8_to_latin1(first_frame_line->empty() ? "Unknown stack" : *first_frame_line);
    if (!line) return false;
    tail += *line;
  }
  // Where the name ends in the decoded text.
  std::size_t name_end;
  if (!name.empty()) {
    if (!d.starts_with(std::string(name).substr(0, d.size()))) return false;
    name_end = name.size();
    if (d.size() <= name_end) return cut;
    if (d[name_end] != '-') return false;
  } else {
    name_end = d.find('-');
    if (name_end == std::string_view::npos || name_end == 0) return false;
    for (std::size_t i = 0; i < name_end; ++i) {
      const char c = d[i];
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '$') return false;
    }
  }
  const std::string_view rest = d.substr(name_end + 1);
  if (first_frame_line) {
    // Known exactly: the decoded text is the whole string, or its first 24 bytes when cut.
    if (cut ? !std::string_view(tail).starts_with(rest) : rest != tail) return false;
    return true;
  }
  // Frame line unknown: the message and its '-' must match; what follows is the frame line.
  const std::size_t n = std::min(rest.size(), tail.size());
  return rest.substr(0, n) == std::string_view(tail).substr(0, n) &&
         (cut || rest.size() >= tail.size());
}

}  // namespace ew::ingest

namespace ew::ingest {

std::string seed_fingerprint_name(std::string_view fingerprint) {
  std::optional<std::string> decoded = base64_decode(fingerprint);
  if (!decoded) return {};
  const std::size_t dash = decoded->find('-');
  if (dash == std::string::npos || dash == 0) return {};
  for (std::size_t i = 0; i < dash; ++i) {
    const char c = (*decoded)[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '$') return {};
  }
  return decoded->substr(0, dash);
}

}  // namespace ew::ingest
