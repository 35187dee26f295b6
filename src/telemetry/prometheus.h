// Writes the Prometheus text exposition format, version 0.0.4: one "# HELP" and "# TYPE" line
// per family, then its samples, with label values escaped. Samples of one family may be added
// in several pieces (by several collectors); the output keeps each family together, in the order
// families were first begun.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ew::telemetry {

enum class MetricType : std::uint8_t { kCounter, kGauge, kHistogram };

using Label = std::pair<std::string_view, std::string_view>;
using Labels = std::initializer_list<Label>;

class MetricWriter {
 public:
  // Begins (or returns to) a family. Counter names must end in "_total". A name that is not a
  // valid metric name, or a family re-begun with another type, is a programming error: the
  // family's samples are then dropped and the problem is listed in errors().
  void counter(std::string_view name, std::string_view help);
  void gauge(std::string_view name, std::string_view help);
  void histogram(std::string_view name, std::string_view help);

  // One sample of the current counter or gauge family.
  void sample(Labels labels, double value);
  void sample(const std::vector<Label>& labels, double value);
  // One series of the current histogram family. `bounds` are the finite upper bounds,
  // `cumulative` has bounds.size() + 1 counts (the last is +Inf and equals the count).
  void observe(const std::vector<Label>& labels, std::span<const double> bounds,
               std::span<const std::uint64_t> cumulative, double sum);

  // The whole exposition.
  std::string text() const;
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  struct Family {
    MetricType type = MetricType::kGauge;
    std::string help;
    std::string samples;
    bool broken = false;
  };
  void begin(std::string_view name, MetricType type, std::string_view help);
  void write_sample(std::string_view suffix, const Label* labels, std::size_t count,
                    const Label* extra, double value);

  std::vector<std::string> order_;
  std::map<std::string, Family, std::less<>> families_;
  std::string current_name_;
  Family* current_ = nullptr;
  std::vector<std::string> errors_;
};

// Helpers, exposed for tests.
bool valid_metric_name(std::string_view name);
bool valid_label_name(std::string_view name);
// Label value escaping: backslash, double quote and line feed.
std::string escape_label_value(std::string_view value);
// HELP text escaping: backslash and line feed.
std::string escape_help(std::string_view text);
// "1", "0.25", "+Inf", "NaN": the shortest text that reads back as the same double.
std::string format_value(double value);

}  // namespace ew::telemetry
