// Typed access to loaded values, and the effective configuration printed back as TOML.

#include <algorithm>
#include <cctype>

#include "config/config.h"
#include "config/internal.h"

namespace ew::config {
namespace {

using internal::quote;

std::string_view alternative_name(const Value& value) {
  static constexpr std::string_view kNames[] = {"no value", "a bool",   "an integer",
                                                "a number", "a string", "a list"};
  return kNames[value.index()];
}

[[noreturn]] void wrong_type(std::string_view key, const Value& value, std::string_view wanted) {
  throw std::logic_error("config: key \"" + std::string(key) + "\" holds " +
                         std::string(alternative_name(value)) + ", not " + std::string(wanted));
}

template <typename T>
const T& get_as(std::string_view key, const Value& value, std::string_view wanted) {
  const T* typed = std::get_if<T>(&value);
  if (typed == nullptr) wrong_type(key, value, wanted);
  return *typed;
}

bool is_bare_key(std::string_view key) {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

std::string toml_key(std::string_view key) {
  return is_bare_key(key) ? std::string(key) : quote(key);
}

std::string toml_section(std::string_view name) {
  std::string out;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = name.find('.', start);
    out += toml_key(name.substr(start, dot - start));
    if (dot == std::string_view::npos) return out;
    out += '.';
    start = dot + 1;
  }
}

// A TOML float must read back as a float: "1" would be an integer, so it becomes "1.0".
std::string toml_float(double value) {
  std::string text = internal::format_number(value);
  if (text.find_first_of(".eE") == std::string::npos) text += ".0";
  return text;
}

std::string toml_value(const KeySpec& spec, const Value& value) {
  if (const auto* number = std::get_if<std::int64_t>(&value)) {
    if (spec.kind == Kind::kDuration) {
      return quote(internal::format_duration(std::chrono::milliseconds(*number)));
    }
    if (spec.kind == Kind::kSize && *number >= 0) {
      const std::string size = internal::format_size(static_cast<std::uint64_t>(*number));
      // Plain bytes stay a TOML integer; "1MiB" must be a string.
      const bool bytes_only = size.find_first_not_of("0123456789") == std::string::npos;
      return bytes_only ? size : quote(size);
    }
    return std::to_string(*number);
  }
  if (const auto* flag = std::get_if<bool>(&value)) return *flag ? "true" : "false";
  if (const auto* number = std::get_if<double>(&value)) return toml_float(*number);
  if (const auto* text = std::get_if<std::string>(&value)) return quote(*text);
  if (const auto* list = std::get_if<std::vector<std::string>>(&value)) {
    std::string out = "[";
    for (std::size_t i = 0; i < list->size(); ++i) {
      if (i > 0) out += ", ";
      out += quote((*list)[i]);
    }
    return out + "]";
  }
  return {};
}

// Help is documented as one line; a stray newline must not end the comment early.
std::string comment(std::string_view help) {
  std::string out(help);
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

void write_keys(const SectionSpec& section, const Table& table, std::string& out) {
  static const Value kUnset;
  for (const KeySpec& spec : section.keys) {
    const auto found = table.values().find(spec.key);
    const Value& value = found == table.values().end() ? kUnset : found->second.first;
    const std::string help = comment(spec.help);
    if (std::holds_alternative<std::monostate>(value)) {
      out += "# " + toml_key(spec.key) + " =   # " + help + (help.empty() ? "" : " ") + "(unset)\n";
      continue;
    }
    out += toml_key(spec.key) + " = " + (spec.secret ? quote("***") : toml_value(spec, value));
    out += help.empty() ? "\n" : "  # " + help + "\n";
  }
}

// A repeated section with no entries is shown as a commented-out entry of defaults, so the output
// still documents every key.
void write_commented_entry(const SectionSpec& section, const std::string& name, std::string& out) {
  out += "# [[" + name + "]]  (no entries; one would read:)\n";
  for (const KeySpec& spec : section.keys) {
    std::string literal;
    const std::string& d = spec.default_value;
    switch (spec.kind) {
      case Kind::kBool:
      case Kind::kInt:
      case Kind::kFloat:
      case Kind::kRate:
        literal = d;
        break;
      case Kind::kStringList:
      case Kind::kUrlList:
      case Kind::kCidrList: {
        literal = "[";
        std::size_t start = 0;
        while (start < d.size()) {
          std::size_t comma = d.find(',', start);
          if (comma == std::string::npos) comma = d.size();
          if (literal.size() > 1) literal += ", ";
          literal += quote(d.substr(start, comma - start));
          start = comma + 1;
        }
        literal += "]";
        break;
      }
      default:
        literal = quote(d);
    }
    const std::string help = comment(spec.help);
    out += "# " + toml_key(spec.key) + " = " + literal + (help.empty() ? "" : "  # " + help) + "\n";
  }
}

}  // namespace

const Value& Table::at(std::string_view key) const {
  const auto found = values_.find(key);
  if (found == values_.end()) {
    throw std::logic_error("config: key \"" + std::string(key) + "\" is not in the schema");
  }
  return found->second.first;
}

// An unset string or list reads as empty, its natural meaning; has() tells the two apart.
const std::string& Table::get_string(std::string_view key) const {
  static const std::string kEmpty;
  const Value& value = at(key);
  if (std::holds_alternative<std::monostate>(value)) return kEmpty;
  return get_as<std::string>(key, value, "a string");
}

bool Table::get_bool(std::string_view key) const {
  return get_as<bool>(key, at(key), "a bool");
}

std::int64_t Table::get_int(std::string_view key) const {
  return get_as<std::int64_t>(key, at(key), "an integer");
}

double Table::get_double(std::string_view key) const {
  return get_as<double>(key, at(key), "a number");
}

std::uint64_t Table::get_size(std::string_view key) const {
  const std::int64_t bytes = get_as<std::int64_t>(key, at(key), "a size");
  if (bytes < 0) throw std::logic_error("config: key \"" + std::string(key) + "\" is not a size");
  return static_cast<std::uint64_t>(bytes);
}

std::chrono::milliseconds Table::get_duration(std::string_view key) const {
  return std::chrono::milliseconds(get_as<std::int64_t>(key, at(key), "a duration"));
}

const std::vector<std::string>& Table::get_list(std::string_view key) const {
  static const std::vector<std::string> kEmpty;
  const Value& value = at(key);
  if (std::holds_alternative<std::monostate>(value)) return kEmpty;
  return get_as<std::vector<std::string>>(key, value, "a list");
}

bool Table::has(std::string_view key) const {
  return !std::holds_alternative<std::monostate>(at(key));
}

bool Table::given(std::string_view key) const {
  at(key);
  return values_.find(key)->second.second;
}

void Table::set(std::string key, Value value, bool given) {
  values_.insert_or_assign(std::move(key), std::make_pair(std::move(value), given));
}

const Table& Settings::section(std::string_view name) const {
  const auto found = sections.find(name);
  if (found == sections.end()) {
    const bool repeated = this->repeated.find(name) != this->repeated.end();
    throw std::logic_error("config: no section [" + std::string(name) + "] in the schema" +
                           (repeated ? "; it is repeated, use entries()" : ""));
  }
  return found->second;
}

const std::vector<Table>& Settings::entries(std::string_view name) const {
  const auto found = repeated.find(name);
  if (found == repeated.end()) {
    const bool plain = sections.find(name) != sections.end();
    throw std::logic_error("config: no repeated section [[" + std::string(name) +
                           "]] in the schema" + (plain ? "; it is plain, use section()" : ""));
  }
  return found->second;
}

std::string Settings::to_toml(const Schema& schema) const {
  std::string out = "# edgewatch effective configuration\n";
  for (const SectionSpec& spec : schema.sections()) {
    out += "\n";
    if (!spec.help.empty()) out += "# " + comment(spec.help) + "\n";
    const std::string name = toml_section(spec.name);
    if (!spec.repeated) {
      out += "[" + name + "]\n";
      write_keys(spec, section(spec.name), out);
      continue;
    }
    const std::vector<Table>& list = entries(spec.name);
    if (list.empty()) write_commented_entry(spec, name, out);
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (i > 0) out += "\n";
      out += "[[" + name + "]]\n";
      write_keys(spec, list[i], out);
    }
  }
  return out;
}

}  // namespace ew::config
