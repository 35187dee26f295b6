// `edgewatch budget DIR`: the size of every JS, CSS and HTML file raw, gzipped and brotli'd,
// and what index.html makes the browser load at start, against the bundle budgets.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace ew::tools {

struct BudgetOptions {
  std::string dir;
  std::uint64_t max_initial_gzip = 500 * 1024;  // the seed's "Bundle size < 500KB (gzipped)"
  std::uint64_t max_chunk = 1000 * 1024;        // Vite's chunkSizeWarningLimit, on raw size
  std::string base = "/";                       // Vite's `base`, stripped from URLs
  bool json = false;
  unsigned threads = 0;
};

struct BudgetFile {
  std::string path;  // relative to dir, "assets/index-BwYb0KlL.js"
  std::uint64_t raw = 0;
  std::uint64_t gzip = 0;    // level 9, as precompress writes it
  std::uint64_t brotli = 0;  // quality 11
  bool initial = false;      // loaded at start by index.html (index.html itself included)
};

struct BudgetTotals {
  std::size_t files = 0;
  std::uint64_t raw = 0, gzip = 0, brotli = 0;
};

struct BudgetReport {
  std::vector<BudgetFile> files;  // sorted by path
  BudgetTotals initial, lazy;
  std::vector<std::string> violations;  // one sentence per broken budget
  std::vector<std::string> errors;      // unreadable files, index.html missing, ...
  bool ok() const { return violations.empty() && errors.empty(); }
};

BudgetReport measure_budget(const BudgetOptions& options);

// The subcommand: prints a table (or JSON). Exit status 0 within budget, 1 over budget,
// 2 when the directory or its index.html cannot be read.
int run_budget(const BudgetOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ew::tools
