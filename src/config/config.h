// Configuration: a schema that modules fill with the keys they understand, and a loader that
// merges a TOML file, EDGEWATCH_<SECTION>_<KEY> environment variables and command-line
// overrides (later wins), validates everything against the schema and reports every problem at
// once. Used only at startup and on reload, so it may throw.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ew::config {

enum class Kind : std::uint8_t {
  kString,
  kBool,
  kInt,         // integer within [min, max]
  kFloat,       // number within [min, max]
  kRate,        // number in [0, 1]; values outside are clamped with a warning
  kSize,        // bytes: 1048576, "8KiB", "1MiB", "1MB" (KB/MB/GB are powers of 1000)
  kDuration,    // "250ms", "60s", "5m", "2h", "1d"; stored as milliseconds
  kUrl,         // absolute http:// or https:// URL (scheme set restricted by `choices` when given)
  kListen,      // "HOST:PORT", "[v6]:PORT" or ":PORT"; port 0 means ephemeral
  kEnum,        // one of `choices`
  kStringList,  // TOML array of strings; comma-separated in environment and CLI
  kUrlList,     // as kStringList, each element a kUrl
  kPath,        // file-system path; not checked for existence here
  kCidrList,    // ["127.0.0.0/8", "::1/128"]
};

std::string_view to_string(Kind kind);

struct KeySpec {
  std::string key;
  Kind kind = Kind::kString;
  std::string default_value;  // written as in the environment: "60s", "true", "a,b"; "" = unset
  std::string help;           // one line, used in examples and check-config output
  std::vector<std::string> choices = {};  // kEnum: allowed values; kUrl/kUrlList: allowed schemes
  double min = 0;                         // kInt / kFloat bounds (inclusive) when min < max
  double max = 0;
  bool secret = false;  // printed as "***" by check-config
};

struct SectionSpec {
  std::string name;  // "server", or dotted for nesting: "sentry.projects"
  std::string help;
  bool repeated = false;  // an array of tables: [[proxy]]
  std::vector<KeySpec> keys;
};

class Schema {
 public:
  // Adds or extends a section. Throws std::logic_error on a duplicate key.
  SectionSpec& section(std::string name, std::string help, bool repeated = false);
  const std::vector<SectionSpec>& sections() const { return sections_; }
  const SectionSpec* find(std::string_view name) const;

 private:
  std::vector<SectionSpec> sections_;
};

using Value =
    std::variant<std::monostate, bool, std::int64_t, double, std::string, std::vector<std::string>>;

// The validated values of one table. Getters throw std::logic_error when asked for a key the
// schema does not declare or with the wrong type: that is a programming error, not user input.
class Table {
 public:
  const std::string& get_string(std::string_view key) const;
  bool get_bool(std::string_view key) const;
  std::int64_t get_int(std::string_view key) const;
  double get_double(std::string_view key) const;  // kFloat and kRate
  std::uint64_t get_size(std::string_view key) const;
  std::chrono::milliseconds get_duration(std::string_view key) const;
  const std::vector<std::string>& get_list(std::string_view key) const;
  // True when the key has a value (given, or a non-empty default).
  bool has(std::string_view key) const;
  // True when the user set it (file, environment or CLI), not just the default.
  bool given(std::string_view key) const;

  // Filled by the loader.
  void set(std::string key, Value value, bool given);
  const std::map<std::string, std::pair<Value, bool>, std::less<>>& values() const {
    return values_;
  }

 private:
  const Value& at(std::string_view key) const;
  std::map<std::string, std::pair<Value, bool>, std::less<>> values_;
};

class Settings {
 public:
  // A plain section. Every declared section exists, filled with defaults when not given.
  const Table& section(std::string_view name) const;
  // A repeated section: one Table per [[name]] entry, possibly none.
  const std::vector<Table>& entries(std::string_view name) const;

  // The effective configuration as TOML, secrets masked, with each key's help as a comment.
  std::string to_toml(const Schema& schema) const;

  // Filled by the loader.
  std::map<std::string, Table, std::less<>> sections;
  std::map<std::string, std::vector<Table>, std::less<>> repeated;
  // Non-fatal notes, such as a clamped sample rate.
  std::vector<std::string> warnings;
};

// All problems found, each a complete sentence naming the key, what was expected and what was
// found, e.g.:
//   server.listen: expected HOST:PORT with a port in 1..65535, found "localhost:99999"
//   server.lisen: unknown key (did you mean "listen"?)
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

struct Sources {
  std::optional<std::string> file;  // TOML file path; unreadable or invalid TOML is an error
  // Environment, usually from environ; only EDGEWATCH_* entries are considered.
  // EDGEWATCH_CONFIG names the file and is otherwise ignored here.
  std::map<std::string, std::string> environment;
  // Command-line overrides as ("section.key", "value") in the environment's syntax. For a
  // repeated section the override applies to its first entry, which is created when absent.
  std::vector<std::pair<std::string, std::string>> overrides;
};

// Loads and validates. Throws ConfigError listing every problem.
Settings load(const Schema& schema, const Sources& sources);
// The same without throwing: problems are returned, and refused values keep their defaults, so
// further (module) checks can still run and every problem be reported at once.
Settings load(const Schema& schema, const Sources& sources, std::vector<std::string>& problems);

// Parsers shared with other modules; each returns nullopt on malformed input.
std::optional<std::uint64_t> parse_size(std::string_view text);
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

struct ListenAddress {
  std::string host;  // "" means all interfaces
  std::uint16_t port = 0;
};
std::optional<ListenAddress> parse_listen(std::string_view text);

struct Url {
  std::string scheme;      // lower-case
  std::string host;        // without brackets for IPv6
  std::uint16_t port = 0;  // explicit or the scheme's default
  std::string path;        // "/" when empty
};
std::optional<Url> parse_url(std::string_view text);

// Closest candidate by edit distance, when close enough to be a likely typo.
std::optional<std::string> did_you_mean(std::string_view word,
                                        const std::vector<std::string>& candidates);

// Collects EDGEWATCH_* variables from the process environment.
std::map<std::string, std::string> process_environment();

}  // namespace ew::config
