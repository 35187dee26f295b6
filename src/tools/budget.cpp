#include "tools/budget.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>

#include "static/static.h"
#include "tools/file_io.h"
#include "tools/html_scan.h"
#include "tools/parallel.h"

namespace ew::tools {
namespace {

using static_files::Encoding;

bool measured_type(std::string_view path) {
  std::string_view ext = static_files::file_extension(path);
  return ext == "js" || ext == "mjs" || ext == "css" || ext == "html";
}

bool is_script(std::string_view path) {
  std::string_view ext = static_files::file_extension(path);
  return ext == "js" || ext == "mjs";
}

std::string kib(std::uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(bytes) / 1024.0);
  return buf;
}

// Marks the files index.html loads at start; returns problems with its references.
std::vector<std::string> mark_initial(const BudgetOptions& options, const std::string& root,
                                      std::map<std::string, BudgetFile*>& by_path) {
  std::vector<std::string> errors;
  auto index = by_path.find(root + "/index.html");
  std::optional<std::string> html = read_file(root + "/index.html");
  if (index == by_path.end() || !html) return {"cannot read " + options.dir + "/index.html"};
  index->second->initial = true;
  std::vector<HtmlTag> tags = scan_asset_tags(*html);
  for (const AssetRef& ref : initial_assets(tags)) {
    if (!is_local_url(ref.url)) continue;  // a CDN script is outside this bundle
    std::optional<std::string> file = local_file_for(ref.url, root, options.base);
    auto it = file ? by_path.find(*file) : by_path.end();
    if (it == by_path.end()) {
      errors.push_back("index.html loads " + std::string(ref.url) + ", which is not in " +
                       options.dir);
      continue;
    }
    it->second->initial = true;
  }
  return errors;
}

void add(BudgetTotals& t, const BudgetFile& f) {
  ++t.files;
  t.raw += f.raw;
  t.gzip += f.gzip;
  t.brotli += f.brotli;
}

void print_table(const BudgetReport& r, const BudgetOptions& o, std::ostream& out) {
  std::size_t width = 24;
  for (const BudgetFile& f : r.files) width = std::max(width, f.path.size());
  char line[512];
  auto row = [&](const std::string& name, std::uint64_t raw, std::uint64_t gz, std::uint64_t br,
                 const char* load) {
    std::snprintf(line, sizeof line, "%-*s %12s %12s %12s  %s\n", static_cast<int>(width),
                  name.c_str(), kib(raw).c_str(), kib(gz).c_str(), kib(br).c_str(), load);
    out << line;
  };
  std::snprintf(line, sizeof line, "%-*s %12s %12s %12s  %s\n", static_cast<int>(width), "file",
                "raw", "gzip", "brotli", "load");
  out << line;
  for (const BudgetFile& f : r.files)
    row(f.path, f.raw, f.gzip, f.brotli, f.initial ? "initial" : "lazy");
  auto files = [](std::size_t n) { return std::to_string(n) + (n == 1 ? " file" : " files"); };
  row("initial total (" + files(r.initial.files) + ")", r.initial.raw, r.initial.gzip,
      r.initial.brotli, "");
  row("lazy total (" + files(r.lazy.files) + ")", r.lazy.raw, r.lazy.gzip, r.lazy.brotli, "");
  out << "budget: initial gzip " << kib(r.initial.gzip) << " of " << kib(o.max_initial_gzip)
      << ", largest chunk at most " << kib(o.max_chunk)
      << " raw: " << (r.violations.empty() ? "OK" : "OVER BUDGET") << "\n";
  for (const std::string& v : r.violations) out << "  - " << v << "\n";
}

void print_json(const BudgetReport& r, const BudgetOptions& o, std::ostream& out) {
  nlohmann::json files = nlohmann::json::array();
  for (const BudgetFile& f : r.files) {
    files.push_back({{"path", f.path},
                     {"raw", f.raw},
                     {"gzip", f.gzip},
                     {"brotli", f.brotli},
                     {"initial", f.initial}});
  }
  auto totals = [](const BudgetTotals& t) {
    return nlohmann::json{
        {"files", t.files}, {"raw", t.raw}, {"gzip", t.gzip}, {"brotli", t.brotli}};
  };
  nlohmann::json doc = {
      {"files", files},
      {"initial", totals(r.initial)},
      {"lazy", totals(r.lazy)},
      {"budget", {{"max_initial_gzip", o.max_initial_gzip}, {"max_chunk", o.max_chunk}}},
      {"violations", r.violations},
      {"errors", r.errors},
      {"ok", r.ok()}};
  out << doc.dump(2) << "\n";
}

}  // namespace

BudgetReport measure_budget(const BudgetOptions& options) {
  BudgetReport report;
  std::string root = static_files::real_path(options.dir);
  if (root.empty()) {
    report.errors.push_back("cannot read directory " + options.dir);
    return report;
  }
  static_files::WalkResult tree = static_files::walk_tree(root, /*allow_dotfiles=*/false);
  std::vector<std::string> real_paths;
  for (const static_files::FoundFile& f : tree.files) {
    if (!measured_type(f.url)) continue;
    report.files.push_back({f.url.substr(1)});
    real_paths.push_back(root + f.url);
  }
  std::vector<std::string> read_errors(report.files.size());
  parallel_for(report.files.size(), options.threads, [&](std::size_t i) {
    std::optional<std::string> data = read_file(real_paths[i]);
    if (!data) {
      read_errors[i] = "cannot read " + real_paths[i];
      return;
    }
    BudgetFile& f = report.files[i];
    f.raw = data->size();
    auto gz = static_files::compress(Encoding::kGzip, *data, static_files::kGzipMaxLevel);
    auto br = static_files::compress(Encoding::kBrotli, *data, static_files::kBrotliMaxQuality);
    f.gzip = gz ? gz->size() : f.raw;
    f.brotli = br ? br->size() : f.raw;
  });
  for (std::string& e : read_errors) {
    if (!e.empty()) report.errors.push_back(std::move(e));
  }
  std::map<std::string, BudgetFile*> by_path;
  for (std::size_t i = 0; i < report.files.size(); ++i) by_path[real_paths[i]] = &report.files[i];
  for (std::string& e : mark_initial(options, root, by_path)) report.errors.push_back(std::move(e));

  for (const BudgetFile& f : report.files) {
    add(f.initial ? report.initial : report.lazy, f);
    if (is_script(f.path) && f.raw > options.max_chunk) {
      report.violations.push_back(f.path + " is " + kib(f.raw) + " raw, over the chunk limit of " +
                                  kib(options.max_chunk));
    }
  }
  if (report.initial.gzip > options.max_initial_gzip) {
    report.violations.push_back("the initial load is " + kib(report.initial.gzip) +
                                " gzipped, over the budget of " + kib(options.max_initial_gzip));
  }
  return report;
}

int run_budget(const BudgetOptions& options, std::ostream& out, std::ostream& err) {
  BudgetReport report = measure_budget(options);
  for (const std::string& e : report.errors) err << "edgewatch budget: " << e << "\n";
  if (options.json) {
    print_json(report, options, out);
  } else {
    print_table(report, options, out);
  }
  if (!report.errors.empty()) return 2;
  return report.violations.empty() ? 0 : 1;
}

}  // namespace ew::tools
