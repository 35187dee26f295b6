#include "app/cli.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>

#include <spdlog/spdlog.h>

#include "app/build_info.h"
#include "config/active.h"
#include "server/server.h"
#include "tls/certificate_store.h"
#include "tools/tools.h"

namespace ew {
namespace {

struct ServeFlags {
  std::string config_file;
  std::string listen;
  int workers = -1;
  std::string root;
  std::vector<std::string> upstreams;
};

config::Schema build_schema(const std::vector<ModulePtr>& modules) {
  config::Schema schema;
  declare_server_settings(schema);
  for (const auto& module : modules) module->declare(schema);
  return schema;
}

void print_problems(const std::vector<std::string>& problems, std::string_view source) {
  std::fprintf(stderr, "edgewatch: %s has %zu problem%s:\n", std::string(source).c_str(),
               problems.size(), problems.size() == 1 ? "" : "s");
  for (const auto& problem : problems) std::fprintf(stderr, "  - %s\n", problem.c_str());
  std::fprintf(stderr, "Fix the values above; `edgewatch check-config FILE` checks a file.\n");
}

// Loads and validates the configuration with every module's rules. Returns nullopt after
// printing every problem.
std::optional<config::Settings> load_settings(const config::Schema& schema,
                                              const std::vector<ModulePtr>& modules,
                                              config::Sources sources) {
  std::string source =
      sources.file ? "the configuration (" + *sources.file + ")" : std::string("the configuration");
  std::vector<std::string> problems;
  config::Settings settings = config::load(schema, sources, problems);
  // Module rules run even when some values were refused, so one run reports everything; a key
  // already reported is not reported again by a module that saw its default instead.
  std::vector<std::string> module_problems;
  validate_tls_settings(settings, module_problems);
  for (const auto& module : modules) module->validate(settings, module_problems);
  for (auto& problem : module_problems) {
    std::string key = problem.substr(0, problem.find(':'));
    bool seen = std::any_of(problems.begin(), problems.end(), [&](const std::string& p) {
      return p.compare(0, key.size(), key) == 0 && key.size() < p.size() &&
             (p[key.size()] == ':' || p[key.size()] == '[');
    });
    if (!seen) problems.push_back(std::move(problem));
  }
  if (!problems.empty()) {
    print_problems(problems, source);
    return std::nullopt;
  }
  for (const auto& warning : settings.warnings) {
    std::fprintf(stderr, "edgewatch: warning: %s\n", warning.c_str());
  }
  return settings;
}

config::Sources serve_sources(const ServeFlags& flags) {
  config::Sources sources;
  sources.environment = config::process_environment();
  if (!flags.config_file.empty()) {
    sources.file = flags.config_file;
  } else if (auto it = sources.environment.find("EDGEWATCH_CONFIG");
             it != sources.environment.end() && !it->second.empty()) {
    sources.file = it->second;
  }
  if (!flags.listen.empty()) sources.overrides.emplace_back("server.listen", flags.listen);
  if (flags.workers >= 0) {
    sources.overrides.emplace_back("server.workers", std::to_string(flags.workers));
  }
  if (!flags.root.empty()) sources.overrides.emplace_back("static.root", flags.root);
  if (!flags.upstreams.empty()) {
    std::string joined;
    for (const auto& url : flags.upstreams) joined += (joined.empty() ? "" : ",") + url;
    sources.overrides.emplace_back("proxy.upstreams", joined);
  }
  return sources;
}

int serve(const ServeFlags& flags, std::vector<ModulePtr>& modules, const ServeWiring& wiring) {
  config::Schema schema = build_schema(modules);
  config::Sources sources = serve_sources(flags);
  auto settings = load_settings(schema, modules, sources);
  if (!settings) return kExitUsage;
  config::set_active(schema, sources);  // for modules that re-read their section on SIGHUP
  try {
    log::init(log_options(*settings));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "edgewatch: cannot open the error log: %s\n", e.what());
    return kExitUsage;
  }
  auto router = std::make_shared<Router>();
  Registrar registrar(*router);
  try {
    // Listen first: a process that cannot take its port stops before any module writes a file.
    ServerOptions options = server_options(*settings);
    std::shared_ptr<tls::CertificateStore> certificates = open_https(*settings, options);
    Server server(std::move(options), router, wiring.traffic);
    server.listen();
    if (certificates) {
      registrar.on_reload([certificates] { certificates->reload(); });
      wiring.certificates->publish(certificates);
    }
    for (auto& module : modules) module->start(*settings, registrar);
    std::string https = server.tls_local_address();
    spdlog::info("edgewatch {} listening on http://{}{}{} ({} routes)", build_info::kVersion,
                 server.local_address(), https.empty() ? "" : " and https://", https,
                 router->size());
    server.run(Server::Hooks{registrar.reload_hooks(), registrar.stop_hooks()});
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    log::shutdown();
    return kExitFailure;
  }
  log::shutdown();
  return kExitOk;
}

int check_config(const std::string& file, std::vector<ModulePtr>& modules) {
  config::Schema schema = build_schema(modules);
  config::Sources sources;
  sources.file = file;
  sources.environment = config::process_environment();
  auto settings = load_settings(schema, modules, sources);
  if (!settings) return kExitUsage;
  std::fputs(settings->to_toml(schema).c_str(), stdout);
  std::fprintf(stderr, "edgewatch: %s is valid\n", file.c_str());
  return kExitOk;
}

}  // namespace

int run_cli(int argc, char** argv, std::vector<ModulePtr> modules, ServeWiring wiring) {
  CLI::App app{"edgewatch: static edge, streaming gateway and monitoring backend in one binary"};
  app.require_subcommand(1);
  int exit_code = kExitOk;

  ServeFlags flags;
  auto* serve_cmd = app.add_subcommand("serve", "Serve HTTP until SIGTERM or SIGINT");
  serve_cmd->add_option("-c,--config", flags.config_file, "TOML configuration file")
      ->check(CLI::ExistingFile);
  serve_cmd->add_option("-l,--listen", flags.listen, "HOST:PORT to listen on (server.listen)");
  serve_cmd->add_option("-w,--workers", flags.workers, "Worker threads; 0 = one per core")
      ->check(CLI::Range(0, 256));
  serve_cmd->add_option("-r,--root", flags.root, "Directory of static files to serve");
  serve_cmd->add_option("-u,--upstream", flags.upstreams,
                        "Upstream URL for the /api/ proxy (repeatable)");
  serve_cmd->callback([&] { exit_code = serve(flags, modules, wiring); });

  std::string check_file;
  auto* check_cmd =
      app.add_subcommand("check-config", "Validate a configuration file and print it in full");
  check_cmd->add_option("file", check_file, "TOML configuration file")->required();
  check_cmd->callback([&] { exit_code = check_config(check_file, modules); });

  add_build_tools(app, exit_code);

  auto* version_cmd = app.add_subcommand("version", "Print version, git commit and build date");
  version_cmd->callback([&] {
    std::printf("edgewatch %s\ncommit %s\nbuilt %s\n", build_info::kVersion, build_info::kGitCommit,
                build_info::kBuildDate);
  });

  // The first word that is not an option names the subcommand: an unknown one is named back with
  // the valid ones, rather than CLI11's "A subcommand is required".
  std::vector<std::string> known;
  std::string names;
  for (const auto* sub : app.get_subcommands(std::function<bool(CLI::App*)>(nullptr))) {
    known.push_back(sub->get_name());
    names += (names.empty() ? "" : ", ") + sub->get_name();
  }
  for (int i = 1; i < argc; ++i) {
    std::string_view word = argv[i];
    if (word.starts_with("-")) continue;
    if (std::find(known.begin(), known.end(), word) == known.end()) {
      std::fprintf(stderr,
                   "edgewatch: unknown subcommand '%s'; valid subcommands: %s\n"
                   "Run `edgewatch --help` for usage.\n",
                   argv[i], names.c_str());
      return kExitUsage;
    }
    break;
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);  // prints the help of the subcommand that was asked
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string message = e.what();
    if (app.get_subcommands().empty()) message += " (one of: " + names + ")";
    std::fprintf(stderr, "edgewatch: %s\nRun `edgewatch --help` for usage.\n", message.c_str());
    return kExitUsage;
  }
  return exit_code;
}

}  // namespace ew
