#include "tools/tools.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "config/config.h"
#include "tools/budget.h"
#include "tools/precompress.h"
#include "tools/sri.h"

namespace ew {
namespace {

CLI::Validator size_validator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        return config::parse_size(text) ? "" : "expected a size such as 500KiB, found " + text;
      },
      "SIZE");
}

void add_precompress(CLI::App& app, int& exit_code) {
  struct Flags {
    tools::PrecompressOptions options;
    std::string min_size = "1024";
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand(
      "precompress", "Write .br (q11), .gz (9) and .zst (19) beside each compressible file");
  cmd->add_option("dir", flags->options.dir, "Directory to compress (Vite's dist/)")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--min-size", flags->min_size, "Smallest file worth compressing")
      ->capture_default_str()
      ->check(size_validator());
  cmd->add_option("-j,--jobs", flags->options.threads, "Threads; 0 = one per core")
      ->capture_default_str();
  cmd->callback([flags, &exit_code] {
    flags->options.min_size = *config::parse_size(flags->min_size);
    exit_code = tools::run_precompress(flags->options, std::cout, std::cerr);
  });
}

void add_budget(CLI::App& app, int& exit_code) {
  struct Flags {
    tools::BudgetOptions options;
    std::string max_initial_gzip = "500KiB";
    std::string max_chunk = "1000KiB";
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand(
      "budget", "Sizes of every JS, CSS and HTML file; exit 1 when over the bundle budget");
  cmd->add_option("dir", flags->options.dir, "Built directory (Vite's dist/)")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--max-initial-gzip", flags->max_initial_gzip,
                  "Budget for what index.html loads at start, gzipped")
      ->capture_default_str()
      ->check(size_validator());
  cmd->add_option("--max-chunk", flags->max_chunk, "Largest JS chunk, raw")
      ->capture_default_str()
      ->check(size_validator());
  cmd->add_option("--base", flags->options.base, "The app's public path (Vite's base)")
      ->capture_default_str();
  cmd->add_flag("--json", flags->options.json, "Print JSON for CI");
  cmd->callback([flags, &exit_code] {
    flags->options.max_initial_gzip = *config::parse_size(flags->max_initial_gzip);
    flags->options.max_chunk = *config::parse_size(flags->max_chunk);
    exit_code = tools::run_budget(flags->options, std::cout, std::cerr);
  });
}

void add_sri(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<tools::SriOptions>();
  auto* cmd = app.add_subcommand(
      "sri", "Add integrity=\"sha384-...\" to the page's scripts, modulepreloads and stylesheets");
  cmd->add_option("index_html", options->index_html, "The page, e.g. dist/index.html")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--base", options->base, "The app's public path (Vite's base)")
      ->capture_default_str();
  cmd->callback(
      [options, &exit_code] { exit_code = tools::run_sri(*options, std::cout, std::cerr); });
}

}  // namespace

void add_build_tools(CLI::App& app, int& exit_code) {
  add_precompress(app, exit_code);
  add_budget(app, exit_code);
  add_sri(app, exit_code);
}

}  // namespace ew
