// The schema and the loader: defaults, then the TOML file, then EDGEWATCH_* variables, then
// command-line overrides, each validated against the schema with every problem collected.

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <tuple>

#include "config/config.h"
#include "config/internal.h"
#include "util/ascii.h"

namespace ew::config {
namespace {

using internal::format_number;
using internal::quote;

constexpr std::string_view kEnvPrefix = "EDGEWATCH_";
constexpr std::string_view kFromCommandLine = " (from the command line)";

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += separator;
    out += parts[i];
  }
  return out;
}

std::string join_path(std::string_view prefix, std::string_view name) {
  return prefix.empty() ? std::string(name) : std::string(prefix) + "." + std::string(name);
}

std::string trim(std::string_view text) {
  const auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return std::string(text);
}

// EDGEWATCH_<SECTION>_<KEY>: upper case, with the characters a variable name cannot hold
// ('.' in nested sections, '-' in keys) turned into '_'.
std::string env_name(std::string_view section, std::string_view key) {
  std::string out(kEnvPrefix);
  for (char c : join_path(section, key)) {
    out += (c == '.' || c == '-') ? '_'
                                  : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

const KeySpec* find_key(const SectionSpec& section, std::string_view key) {
  for (const KeySpec& spec : section.keys) {
    if (spec.key == key) return &spec;
  }
  return nullptr;
}

std::vector<std::string> key_names(const SectionSpec& section) {
  std::vector<std::string> out;
  for (const KeySpec& spec : section.keys) out.push_back(spec.key);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Checking one value against its KeySpec.

// The outcome of checking one value: either `value` or a description of what was wrong.
struct Checked {
  bool ok = true;
  Value value;
  std::string expected;  // "an integer in [1, 10]"
  std::string found;     // the value as written, quoted when it was a string
  std::string hint;      // appended after "; ", e.g. a did-you-mean
  std::string element;   // "[2]" when one list element is at fault
  std::optional<std::pair<double, double>> clamped;  // kRate: (as given, as stored)
};

Checked accept(Value value) {
  Checked out;
  out.value = std::move(value);
  return out;
}

Checked reject(std::string expected, std::string found, std::string hint = {}) {
  Checked out;
  out.ok = false;
  out.expected = std::move(expected);
  out.found = std::move(found);
  out.hint = std::move(hint);
  return out;
}

std::string range_text(const KeySpec& spec) {
  if (!(spec.min < spec.max)) return {};
  return " in [" + format_number(spec.min) + ", " + format_number(spec.max) + "]";
}

std::string url_expectation(const KeySpec& spec) {
  std::vector<std::string> schemes = spec.choices;
  if (schemes.empty()) schemes = {"http", "https", "ws", "wss"};
  std::string names;
  for (std::size_t i = 0; i < schemes.size(); ++i) {
    if (i > 0) names += i + 1 == schemes.size() ? " or " : ", ";
    names += schemes[i];
  }
  return "an absolute " + names + " URL";
}

std::string element_expectation(const KeySpec& spec) {
  if (spec.kind == Kind::kUrlList) return url_expectation(spec);
  if (spec.kind == Kind::kCidrList) return "an address range such as \"10.0.0.0/8\" or \"::1/128\"";
  return "a string";
}

std::string expectation(const KeySpec& spec) {
  switch (spec.kind) {
    case Kind::kString:
      return "a string";
    case Kind::kPath:
      return "a path (a string)";
    case Kind::kBool:
      return "true or false";
    case Kind::kInt:
      return "an integer" + range_text(spec);
    case Kind::kFloat:
      return "a number" + range_text(spec);
    case Kind::kRate:
      return "a number between 0 and 1";
    case Kind::kSize:
      return "a size such as 1048576, \"8KiB\", \"1MiB\" or \"1MB\"";
    case Kind::kDuration:
      return "a duration such as \"250ms\", \"60s\", \"5m\", \"2h\" or \"1d\"";
    case Kind::kUrl:
      return url_expectation(spec);
    case Kind::kListen:
      return "HOST:PORT, [IPv6]:PORT or :PORT with a port in 0..65535";
    case Kind::kEnum: {
      std::vector<std::string> quoted;
      for (const std::string& choice : spec.choices) quoted.push_back(quote(choice));
      return "one of " + join(quoted, ", ");
    }
    case Kind::kStringList:
      return "an array of strings";
    case Kind::kUrlList:
      return "an array of URLs";
    case Kind::kCidrList:
      return "an array of address ranges such as [\"10.0.0.0/8\", \"::1/128\"]";
  }
  return "a value";
}

bool is_url_for(const KeySpec& spec, std::string_view text) {
  const std::optional<Url> url = parse_url(text);
  if (!url) return false;
  return spec.choices.empty() ||
         std::find(spec.choices.begin(), spec.choices.end(), url->scheme) != spec.choices.end();
}

bool is_plain_number(std::string_view text) {
  double ignored = 0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), ignored);
  return result.ec == std::errc() && result.ptr == text.data() + text.size();
}

// Bare numbers are the usual duration mistake ("timeout = 60"), so say how to fix them.
std::string unit_hint(std::string_view text) {
  if (text.empty() || text.front() == '-' || !is_plain_number(text)) return {};
  return "add a unit, e.g. \"" + std::string(text) + "s\"";
}

// Kinds whose TOML form is a string, and which read the same from every source.
Checked check_string(const KeySpec& spec, std::string_view text) {
  const auto fail = [&](std::string hint = {}) {
    return reject(expectation(spec), quote(text), std::move(hint));
  };
  switch (spec.kind) {
    case Kind::kSize: {
      const std::optional<std::uint64_t> bytes = parse_size(text);
      // Stored as int64; 8 EiB is beyond any buffer or disk we will meet.
      if (!bytes || *bytes > static_cast<std::uint64_t>(INT64_MAX)) return fail();
      return accept(static_cast<std::int64_t>(*bytes));
    }
    case Kind::kDuration: {
      const std::optional<std::chrono::milliseconds> duration = parse_duration(text);
      if (duration) return accept(static_cast<std::int64_t>(duration->count()));
      return fail(unit_hint(text));
    }
    case Kind::kUrl:
      return is_url_for(spec, text) ? accept(std::string(text)) : fail();
    case Kind::kListen:
      return parse_listen(text) ? accept(std::string(text)) : fail();
    case Kind::kEnum: {
      if (std::find(spec.choices.begin(), spec.choices.end(), text) != spec.choices.end()) {
        return accept(std::string(text));
      }
      const std::optional<std::string> guess = did_you_mean(text, spec.choices);
      return fail(guess ? "did you mean " + quote(*guess) + "?" : "");
    }
    default:
      return accept(std::string(text));
  }
}

Checked check_int(const KeySpec& spec, std::int64_t value, std::string found) {
  if (spec.min < spec.max &&
      (static_cast<double>(value) < spec.min || static_cast<double>(value) > spec.max)) {
    return reject(expectation(spec), std::move(found));
  }
  return accept(value);
}

Checked check_number(const KeySpec& spec, double value, std::string found) {
  if (!std::isfinite(value)) return reject(expectation(spec), std::move(found));
  if (spec.kind == Kind::kRate) {
    // As the seed's EnvironmentManager did: an out-of-range sample rate is a slip, not a
    // reason to refuse to start.
    const double clamped = std::clamp(value, 0.0, 1.0);
    Checked out = accept(clamped);
    if (clamped != value) out.clamped = std::make_pair(value, clamped);
    return out;
  }
  if (spec.min < spec.max && (value < spec.min || value > spec.max)) {
    return reject(expectation(spec), std::move(found));
  }
  return accept(value);
}

Checked check_list(const KeySpec& spec, std::vector<std::string> items) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    const bool ok = spec.kind == Kind::kUrlList    ? is_url_for(spec, items[i])
                    : spec.kind == Kind::kCidrList ? internal::is_cidr(items[i])
                                                   : true;
    if (!ok) {
      Checked out = reject(element_expectation(spec), quote(items[i]));
      out.element = "[" + std::to_string(i) + "]";
      return out;
    }
  }
  return accept(std::move(items));
}

std::optional<bool> parse_bool(std::string_view text) {
  const std::string word = ascii_lower(text);
  if (word == "true" || word == "1" || word == "yes" || word == "on") return true;
  if (word == "false" || word == "0" || word == "no" || word == "off") return false;
  return std::nullopt;
}

template <typename Number>
std::optional<Number> parse_number(std::string_view text) {
  Number value{};
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (result.ec != std::errc() || result.ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

// Lists in the environment and on the command line: "a, b,,c" is ["a", "b", "c"].
std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    std::string item = trim(text.substr(start, comma - start));
    if (!item.empty()) out.push_back(std::move(item));
    start = comma + 1;
  }
  return out;
}

// A value in the environment's syntax: from EDGEWATCH_* variables, overrides and defaults.
Checked check_text(const KeySpec& spec, std::string_view text) {
  switch (spec.kind) {
    case Kind::kBool: {
      const std::optional<bool> value = parse_bool(text);
      return value ? accept(*value) : reject(expectation(spec), quote(text));
    }
    case Kind::kInt: {
      const auto value = parse_number<std::int64_t>(text);
      return value ? check_int(spec, *value, quote(text)) : reject(expectation(spec), quote(text));
    }
    case Kind::kFloat:
    case Kind::kRate: {
      const auto value = parse_number<double>(text);
      return value ? check_number(spec, *value, quote(text))
                   : reject(expectation(spec), quote(text));
    }
    case Kind::kStringList:
    case Kind::kUrlList:
    case Kind::kCidrList:
      return check_list(spec, split_list(text));
    default:
      return check_string(spec, text);
  }
}

std::string describe(const toml::node& node) {
  if (const auto* text = node.as_string()) return quote(text->get());
  if (node.is_table()) return "a table";
  std::ostringstream out;
  out << toml::node_view<const toml::node>(&node);
  return out.str();
}

Checked check_node_list(const KeySpec& spec, const toml::node& node) {
  const toml::array* array = node.as_array();
  if (array == nullptr) return reject(expectation(spec), describe(node));
  std::vector<std::string> items;
  for (const toml::node& item : *array) {
    const auto* text = item.as_string();
    if (text == nullptr) return reject(expectation(spec), describe(node));
    items.push_back(text->get());
  }
  return check_list(spec, std::move(items));
}

// A value from the TOML file, where types are explicit.
Checked check_node(const KeySpec& spec, const toml::node& node) {
  switch (spec.kind) {
    case Kind::kBool:
      if (const auto* value = node.as_boolean()) return accept(value->get());
      return reject(expectation(spec), describe(node));
    case Kind::kInt:
      if (const auto* value = node.as_integer()) {
        return check_int(spec, value->get(), describe(node));
      }
      return reject(expectation(spec), describe(node));
    case Kind::kFloat:
    case Kind::kRate:
      if (const auto* value = node.as_integer()) {
        return check_number(spec, static_cast<double>(value->get()), describe(node));
      }
      if (const auto* value = node.as_floating_point()) {
        return check_number(spec, value->get(), describe(node));
      }
      return reject(expectation(spec), describe(node));
    case Kind::kStringList:
    case Kind::kUrlList:
    case Kind::kCidrList:
      return check_node_list(spec, node);
    case Kind::kSize:
      if (const auto* value = node.as_integer()) {
        if (value->get() >= 0) return accept(value->get());
        return reject(expectation(spec), describe(node));
      }
      break;
    case Kind::kDuration:
      if (node.is_number()) {
        return reject(expectation(spec), describe(node), unit_hint(describe(node)));
      }
      break;
    default:
      break;
  }
  if (const auto* text = node.as_string()) return check_string(spec, text->get());
  return reject(expectation(spec), describe(node));
}

// ---------------------------------------------------------------------------------------------
// The loader.

class Loader {
 public:
  explicit Loader(const Schema& schema) : schema_(schema) {
    for (const SectionSpec& section : schema_.sections()) validate(section);
    for (const SectionSpec& section : schema_.sections()) {
      if (section.repeated) {
        settings_.repeated[section.name];
      } else {
        settings_.sections[section.name] = defaults(section);
      }
    }
  }

  Settings run(const Sources& sources) {
    std::vector<std::string> problems;
    Settings settings = run(sources, problems);
    if (!problems.empty()) throw ConfigError(std::move(problems));
    return settings;
  }

  // Keys whose value was refused keep their default, so the result is complete either way.
  Settings run(const Sources& sources, std::vector<std::string>& problems) {
    if (sources.file) load_file(*sources.file);
    apply_environment(sources.environment);
    apply_overrides(sources.overrides);
    problems = std::move(problems_);
    return std::move(settings_);
  }

 private:
  // A message from the file, kept with its position so that the alphabetical walk of toml++
  // tables can be reported in the order the user wrote things.
  struct Located {
    std::uint32_t line;
    std::uint32_t column;
    std::string text;
  };

  struct EnvTarget {
    const SectionSpec* section;
    const KeySpec* key;
  };

  // Schema mistakes are programming errors: they fail the same way on every start.
  void validate(const SectionSpec& section) {
    for (std::size_t i = 0; i < section.keys.size(); ++i) {
      const KeySpec& spec = section.keys[i];
      for (std::size_t j = 0; j < i; ++j) {
        if (section.keys[j].key == spec.key) {
          throw std::logic_error("config schema: duplicate key " + section.name + "." + spec.key);
        }
      }
      if (spec.kind == Kind::kEnum && spec.choices.empty()) {
        throw std::logic_error("config schema: enum " + section.name + "." + spec.key +
                               " has no choices");
      }
      const std::string name = env_name(section.name, spec.key);
      if (section.repeated) {
        repeated_env_.emplace(name, &section);
      } else if (!env_targets_.emplace(name, EnvTarget{&section, &spec}).second) {
        throw std::logic_error("config schema: " + section.name + "." + spec.key +
                               " and another key share the variable " + name);
      }
    }
  }

  static Table defaults(const SectionSpec& section) {
    Table table;
    for (const KeySpec& spec : section.keys) {
      if (spec.default_value.empty()) {
        table.set(spec.key, std::monostate{}, false);
        continue;
      }
      Checked checked = check_text(spec, spec.default_value);
      if (!checked.ok || checked.clamped) {
        throw std::logic_error("config schema: invalid default for " + section.name + "." +
                               spec.key + ": " + quote(spec.default_value));
      }
      table.set(spec.key, std::move(checked.value), false);
    }
    return table;
  }

  bool is_prefix(std::string_view path) const {
    const std::string prefix = std::string(path) + ".";
    return std::any_of(schema_.sections().begin(), schema_.sections().end(),
                       [&](const SectionSpec& s) { return s.name.starts_with(prefix); });
  }

  std::vector<std::string> section_names() const {
    std::vector<std::string> out;
    for (const SectionSpec& section : schema_.sections()) out.push_back(section.name);
    return out;
  }

  std::string header(std::string_view name) const {
    const SectionSpec* spec = schema_.find(name);
    const bool repeated = spec != nullptr && spec->repeated;
    return repeated ? "[[" + std::string(name) + "]]" : "[" + std::string(name) + "]";
  }

  std::string unknown_section(std::string_view name, bool as_array) const {
    std::string text = "unknown section " +
                       (as_array ? "[[" + std::string(name) + "]]" : "[" + std::string(name) + "]");
    if (const auto guess = did_you_mean(name, section_names())) {
      text += " (did you mean " + header(*guess) + "?)";
    }
    return text;
  }

  static std::string unknown_key(const std::string& label, std::string_view key,
                                 const std::vector<std::string>& candidates) {
    std::string text = label + ": unknown key";
    if (const auto guess = did_you_mean(key, candidates)) {
      text += " (did you mean " + quote(*guess) + "?)";
    }
    return text;
  }

  // Problems and warnings from the file carry their position; the others their origin, "" for
  // the file, else " (from ...)".
  void report(std::string text, bool warning, std::string_view origin,
              const toml::node* where = nullptr) {
    if (where != nullptr) {
      const toml::source_position begin = where->source().begin;
      (warning ? file_warnings_ : file_problems_)
          .push_back({begin.line, begin.column, std::move(text)});
      return;
    }
    (warning ? settings_.warnings : problems_).push_back(text + std::string(origin));
  }

  void file_problem(const toml::node& where, std::string text) {
    report(std::move(text), false, "", &where);
  }

  void assign(const KeySpec& spec, const std::string& label, Checked checked, Table& table,
              std::string_view origin, const toml::node* where = nullptr) {
    if (!checked.ok) {
      report(label + checked.element + ": expected " + checked.expected + ", found " +
                 checked.found + (checked.hint.empty() ? "" : "; " + checked.hint),
             false, origin, where);
      return;
    }
    if (checked.clamped) {
      report(label + ": " + format_number(checked.clamped->first) +
                 " is outside [0, 1]; clamped to " + format_number(checked.clamped->second),
             true, origin, where);
    }
    table.set(spec.key, std::move(checked.value), true);
  }

  void load_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      problems_.push_back("config file " + path + ": cannot read (" + std::strerror(errno) + ")");
      return;
    }
    std::ostringstream content;
    content << in.rdbuf();
    toml::table root;
    try {
      root = toml::parse(content.str(), path);
    } catch (const toml::parse_error& error) {
      const toml::source_position begin = error.source().begin;
      problems_.push_back(path + ":" + std::to_string(begin.line) + ":" +
                          std::to_string(begin.column) + ": " + std::string(error.description()));
      return;
    }
    walk_container("", root);
    const auto order = [](const Located& a, const Located& b) {
      return std::tie(a.line, a.column) < std::tie(b.line, b.column);
    };
    std::stable_sort(file_problems_.begin(), file_problems_.end(), order);
    std::stable_sort(file_warnings_.begin(), file_warnings_.end(), order);
    for (Located& p : file_problems_) problems_.push_back(std::move(p.text));
    for (Located& w : file_warnings_) settings_.warnings.push_back(std::move(w.text));
  }

  // A table that is not itself a section: the document root, or "sentry" above
  // [[sentry.projects]].
  void walk_container(std::string_view prefix, const toml::table& table) {
    for (const auto& [key, node] : table) {
      const std::string path = join_path(prefix, key.str());
      if (schema_.find(path) != nullptr || is_prefix(path)) {
        walk_child(path, node);
      } else if (node.is_table() || node.is_array_of_tables()) {
        file_problem(node, unknown_section(path, node.is_array_of_tables()));
      } else if (prefix.empty()) {
        file_problem(node, top_level_key(key.str()));
      } else {
        file_problem(node, unknown_key(path, key.str(), child_names(prefix)));
      }
    }
  }

  std::string top_level_key(std::string_view key) const {
    const std::string text =
        std::string(key) + ": unknown top-level key; settings belong in a section";
    for (const SectionSpec& section : schema_.sections()) {
      if (find_key(section, key) != nullptr) {
        return text + " (did you mean " + header(section.name) + "?)";
      }
    }
    return text;
  }

  std::vector<std::string> child_names(std::string_view prefix) const {
    std::vector<std::string> out;
    const std::string start = std::string(prefix) + ".";
    for (const SectionSpec& section : schema_.sections()) {
      if (!section.name.starts_with(start)) continue;
      const std::string rest = section.name.substr(start.size());
      out.push_back(rest.substr(0, rest.find('.')));
    }
    return out;
  }

  void walk_child(const std::string& path, const toml::node& node) {
    if (const SectionSpec* spec = schema_.find(path)) {
      load_section(*spec, node);
    } else if (const toml::table* table = node.as_table()) {
      walk_container(path, *table);
    } else {
      file_problem(node, path + ": expected a table, found " + describe(node));
    }
  }

  void load_section(const SectionSpec& spec, const toml::node& node) {
    if (spec.repeated) {
      const toml::array* array = node.as_array();
      if (array != nullptr && array->empty()) return;
      if (array == nullptr || !array->is_array_of_tables()) {
        const std::string found = node.is_table() ? "a table [" + spec.name + "]" : describe(node);
        file_problem(node, spec.name + ": expected an array of tables [[" + spec.name +
                               "]], found " + found);
        return;
      }
      std::vector<Table>& entries = settings_.repeated[spec.name];
      for (const toml::node& item : *array) {
        Table table = defaults(spec);
        const std::string label = spec.name + "[" + std::to_string(entries.size()) + "]";
        fill(spec, label, *item.as_table(), table);
        entries.push_back(std::move(table));
      }
      return;
    }
    if (const toml::table* table = node.as_table()) {
      fill(spec, spec.name, *table, settings_.sections[spec.name]);
      return;
    }
    const std::string found =
        node.is_array_of_tables() ? "an array of tables [[" + spec.name + "]]" : describe(node);
    file_problem(node, spec.name + ": expected a table [" + spec.name + "], found " + found);
  }

  void fill(const SectionSpec& spec, const std::string& label, const toml::table& source,
            Table& table) {
    for (const auto& [key, node] : source) {
      const std::string name(key.str());
      if (const KeySpec* key_spec = find_key(spec, name)) {
        assign(*key_spec, label + "." + name, check_node(*key_spec, node), table, "", &node);
        continue;
      }
      const std::string nested = spec.name + "." + name;
      if (!spec.repeated && (schema_.find(nested) != nullptr || is_prefix(nested))) {
        walk_child(nested, node);
        continue;
      }
      std::vector<std::string> candidates = key_names(spec);
      if (!spec.repeated) {
        const std::vector<std::string> children = child_names(spec.name);
        candidates.insert(candidates.end(), children.begin(), children.end());
      }
      file_problem(node, unknown_key(label + "." + name, name, candidates));
    }
  }

  void apply_environment(const std::map<std::string, std::string>& environment) {
    for (const auto& [name, value] : environment) {
      if (!name.starts_with(kEnvPrefix) || name == "EDGEWATCH_CONFIG") continue;
      const std::string origin = " (from " + name + ")";
      if (const auto target = env_targets_.find(name); target != env_targets_.end()) {
        const EnvTarget& t = target->second;
        assign(*t.key, t.section->name + "." + t.key->key, check_text(*t.key, value),
               settings_.sections[t.section->name], origin);
      } else if (const auto repeated = repeated_env_.find(name); repeated != repeated_env_.end()) {
        problems_.push_back("environment variable " + name + ": " + header(repeated->second->name) +
                            " is a repeated section and cannot be set from the environment");
      } else {
        std::vector<std::string> candidates;
        for (const auto& [known, target] : env_targets_) candidates.push_back(known);
        std::string text = "environment variable " + name + ": unknown";
        if (const auto guess = did_you_mean(name, candidates)) {
          text += " (did you mean " + *guess + "?)";
        }
        problems_.push_back(std::move(text));
      }
    }
  }

  void apply_overrides(const std::vector<std::pair<std::string, std::string>>& overrides) {
    for (const auto& [path, value] : overrides) {
      // Keys never contain '.', sections may ("sentry.projects.dsn").
      const std::size_t dot = path.rfind('.');
      if (dot == std::string::npos || dot == 0 || dot + 1 == path.size()) {
        problems_.push_back("override " + quote(path) + ": expected SECTION.KEY" +
                            std::string(kFromCommandLine));
        continue;
      }
      const std::string section_name = path.substr(0, dot);
      const std::string key = path.substr(dot + 1);
      const SectionSpec* spec = schema_.find(section_name);
      if (spec == nullptr) {
        problems_.push_back(unknown_section(section_name, false) + std::string(kFromCommandLine));
        continue;
      }
      const KeySpec* key_spec = find_key(*spec, key);
      if (key_spec == nullptr) {
        problems_.push_back(unknown_key(path, key, key_names(*spec)) +
                            std::string(kFromCommandLine));
        continue;
      }
      Table* table = &settings_.sections[spec->name];
      std::string label = path;
      if (spec->repeated) {
        std::vector<Table>& entries = settings_.repeated[spec->name];
        if (entries.empty()) entries.push_back(defaults(*spec));
        table = &entries.front();
        label = spec->name + "[0]." + key;
      }
      assign(*key_spec, label, check_text(*key_spec, value), *table, kFromCommandLine);
    }
  }

  const Schema& schema_;
  Settings settings_;
  std::vector<std::string> problems_;
  std::vector<Located> file_problems_;
  std::vector<Located> file_warnings_;
  std::map<std::string, EnvTarget> env_targets_;
  std::map<std::string, const SectionSpec*> repeated_env_;
};

std::string summarize(const std::vector<std::string>& problems) {
  std::string text = "invalid configuration";
  for (const std::string& problem : problems) text += "\n  " + problem;
  return text;
}

}  // namespace

std::string_view to_string(Kind kind) {
  switch (kind) {
    case Kind::kString:
      return "string";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float";
    case Kind::kRate:
      return "rate";
    case Kind::kSize:
      return "size";
    case Kind::kDuration:
      return "duration";
    case Kind::kUrl:
      return "url";
    case Kind::kListen:
      return "listen";
    case Kind::kEnum:
      return "enum";
    case Kind::kStringList:
      return "string list";
    case Kind::kUrlList:
      return "url list";
    case Kind::kPath:
      return "path";
    case Kind::kCidrList:
      return "cidr list";
  }
  return "unknown";
}

SectionSpec& Schema::section(std::string name, std::string help, bool repeated) {
  for (SectionSpec& existing : sections_) {
    if (existing.name != name) continue;
    if (existing.repeated != repeated) {
      throw std::logic_error("config schema: section " + name +
                             " declared both repeated and plain");
    }
    // Keys are added through the returned reference, so a duplicate from an earlier caller can
    // only be seen now (and again by load()).
    for (std::size_t i = 0; i < existing.keys.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (existing.keys[i].key == existing.keys[j].key) {
          throw std::logic_error("config schema: duplicate key " + name + "." +
                                 existing.keys[i].key);
        }
      }
    }
    if (existing.help.empty()) existing.help = std::move(help);
    return existing;
  }
  SectionSpec& added = sections_.emplace_back();
  added.name = std::move(name);
  added.help = std::move(help);
  added.repeated = repeated;
  return added;
}

const SectionSpec* Schema::find(std::string_view name) const {
  for (const SectionSpec& section : sections_) {
    if (section.name == name) return &section;
  }
  return nullptr;
}

ConfigError::ConfigError(std::vector<std::string> problems)
    : std::runtime_error(summarize(problems)), problems_(std::move(problems)) {}

Settings load(const Schema& schema, const Sources& sources) {
  return Loader(schema).run(sources);
}

Settings load(const Schema& schema, const Sources& sources, std::vector<std::string>& problems) {
  return Loader(schema).run(sources, problems);
}

}  // namespace ew::config
