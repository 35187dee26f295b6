#include "telemetry/prometheus.h"

#include <charconv>
#include <cmath>

namespace ew::telemetry {
namespace {

bool name_char(char c, bool first, bool colon_ok) {
  bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  if (alpha || (colon_ok && c == ':')) return true;
  return !first && c >= '0' && c <= '9';
}

std::string_view type_name(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

bool valid_metric_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!name_char(name[i], i == 0, true)) return false;
  }
  return true;
}

bool valid_label_name(std::string_view name) {
  if (name.empty() || name.starts_with("__")) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!name_char(name[i], i == 0, false)) return false;
  }
  return true;
}

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string escape_help(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return ec == std::errc() ? std::string(buf, end) : "NaN";
}

void MetricWriter::counter(std::string_view name, std::string_view help) {
  begin(name, MetricType::kCounter, help);
}

void MetricWriter::gauge(std::string_view name, std::string_view help) {
  begin(name, MetricType::kGauge, help);
}

void MetricWriter::histogram(std::string_view name, std::string_view help) {
  begin(name, MetricType::kHistogram, help);
}

void MetricWriter::begin(std::string_view name, MetricType type, std::string_view help) {
  current_name_ = name;
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_.emplace(std::string(name), Family{type, std::string(help), {}, false}).first;
    order_.emplace_back(name);
    Family& f = it->second;
    if (!valid_metric_name(name)) {
      f.broken = true;
      errors_.push_back("invalid metric name \"" + std::string(name) + "\"");
    } else if (type == MetricType::kCounter && !name.ends_with("_total")) {
      f.broken = true;
      errors_.push_back("counter \"" + std::string(name) + "\" does not end in _total");
    }
  } else if (it->second.type != type && !it->second.broken) {
    it->second.broken = true;
    errors_.push_back("family \"" + std::string(name) + "\" begun with two types");
  }
  current_ = &it->second;
}

void MetricWriter::write_sample(std::string_view suffix, const Label* labels, std::size_t count,
                                const Label* extra, double value) {
  if (current_ == nullptr || current_->broken) return;
  std::string& out = current_->samples;
  out += current_name_;
  out += suffix;
  if (count > 0 || extra != nullptr) {
    out += '{';
    bool first = true;
    auto add = [&](const Label& label) {
      if (!valid_label_name(label.first)) {
        errors_.push_back("invalid label name \"" + std::string(label.first) + "\" in " +
                          current_name_);
        return;
      }
      if (!first) out += ',';
      first = false;
      out += label.first;
      out += "=\"";
      out += escape_label_value(label.second);
      out += '"';
    };
    for (std::size_t i = 0; i < count; ++i) add(labels[i]);
    if (extra != nullptr) add(*extra);
    out += '}';
  }
  out += ' ';
  out += format_value(value);
  out += '\n';
}

void MetricWriter::sample(Labels labels, double value) {
  write_sample("", labels.begin(), labels.size(), nullptr, value);
}

void MetricWriter::sample(const std::vector<Label>& labels, double value) {
  write_sample("", labels.data(), labels.size(), nullptr, value);
}

void MetricWriter::observe(const std::vector<Label>& labels, std::span<const double> bounds,
                           std::span<const std::uint64_t> cumulative, double sum) {
  if (current_ == nullptr || cumulative.size() != bounds.size() + 1) return;
  for (std::size_t i = 0; i <= bounds.size(); ++i) {
    std::string le = i < bounds.size() ? format_value(bounds[i]) : "+Inf";
    Label extra{"le", le};
    write_sample("_bucket", labels.data(), labels.size(), &extra,
                 static_cast<double>(cumulative[i]));
  }
  write_sample("_sum", labels.data(), labels.size(), nullptr, sum);
  write_sample("_count", labels.data(), labels.size(), nullptr,
               static_cast<double>(cumulative.back()));
}

std::string MetricWriter::text() const {
  std::string out;
  for (const std::string& name : order_) {
    const Family& f = families_.find(name)->second;
    if (f.broken) continue;
    out += "# HELP ";
    out += name;
    out += ' ';
    out += escape_help(f.help);
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type_name(f.type);
    out += '\n';
    out += f.samples;
  }
  return out;
}

}  // namespace ew::telemetry
