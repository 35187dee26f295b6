// Deployments kept in memory and in a JSON-lines file (one deployment per line, appended and
// fsynced), used until the storage module offers a DeploymentStore of its own. Only the newest
// `max_entries` are kept; the file is compacted when it holds twice as many.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "deploy/deploy.h"

namespace ew::deploy {

class FileDeploymentStore final : public DeploymentStore {
 public:
  // file "" keeps deployments in memory only.
  FileDeploymentStore(std::string file, std::size_t max_entries);

  // Reads the file; returns a problem to log (unreadable lines are skipped). Throws
  // std::runtime_error when an existing file cannot be read at all.
  std::optional<std::string> load();

  storage::Result<Deployment> add(Deployment deployment) override;
  storage::Result<std::vector<Deployment>> list(const DeploymentQuery& query) override;

 private:
  bool rewrite();

  const std::string file_;
  const std::size_t max_entries_;
  std::mutex mutex_;
  std::vector<Deployment> entries_;  // in id order
  std::int64_t next_id_ = 1;
  std::size_t lines_in_file_ = 0;
};

std::string to_json_line(const Deployment& d);
std::optional<Deployment> from_json_line(const std::string& line);

}  // namespace ew::deploy
