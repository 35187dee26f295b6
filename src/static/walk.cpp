#include "static/walk.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <set>
#include <utility>

#include "static/path.h"

namespace ew::static_files {
namespace {

constexpr int kMaxDepth = 64;

struct Walker {
  const std::string& root;
  bool allow_dotfiles;
  WalkResult result;
  std::set<std::pair<dev_t, ino_t>> ancestors;

  bool inside_root(const std::string& path) const {
    return path == root || (path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
                            path[root.size()] == '/');
  }

  bool acceptable_name(const std::string& name, const std::string& url_dir) const {
    if (name[0] == '.' && !allow_dotfiles && !(url_dir == "/" && name == ".well-known")) {
      return false;
    }
    if (!valid_utf8(name)) return false;
    return std::none_of(name.begin(), name.end(), [](char ch) {
      unsigned char c = static_cast<unsigned char>(ch);
      return c < 0x20 || c == 0x7f || c == '\\';
    });
  }

  void skip(std::string warning) {
    ++result.skipped;
    if (!warning.empty()) result.warnings.push_back(std::move(warning));
  }

  void visit_entry(const std::string& dir, const std::string& url_dir, const std::string& name,
                   int depth) {
    std::string path = dir + "/" + name;
    struct stat st {};
    if (lstat(path.c_str(), &st) != 0) return skip("cannot stat " + path);
    std::string target = path;
    if (S_ISLNK(st.st_mode)) {
      target = real_path(path);
      if (target.empty() || !inside_root(target)) {
        return skip("skipping symlink " + path + ": it leads outside the root");
      }
      if (stat(target.c_str(), &st) != 0) return skip("cannot stat " + target);
    }
    if (S_ISDIR(st.st_mode)) {
      walk(target, url_dir + name + "/", depth + 1, st);
    } else if (S_ISREG(st.st_mode)) {
      result.files.push_back({url_dir + name, target});
    } else {
      skip("skipping " + path + ": not a regular file");
    }
  }

  void walk(const std::string& dir, const std::string& url_dir, int depth, const struct stat& st) {
    if (depth > kMaxDepth) return skip("skipping " + dir + ": nested too deeply");
    // A directory that is its own ancestor (a symlink loop) is skipped; an alias elsewhere in
    // the tree is walked again under its own name, as a client would expect.
    std::pair<dev_t, ino_t> id{st.st_dev, st.st_ino};
    if (!ancestors.insert(id).second) return;
    DIR* d = opendir(dir.c_str());
    if (d == nullptr) {
      ancestors.erase(id);
      return skip("cannot read directory " + dir);
    }
    result.directories.push_back(dir);
    std::vector<std::string> names;
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      if (!acceptable_name(name, url_dir)) {
        skip("");
        continue;
      }
      names.push_back(std::move(name));
    }
    closedir(d);
    std::sort(names.begin(), names.end());  // deterministic warnings and order
    for (const std::string& name : names) visit_entry(dir, url_dir, name, depth);
    ancestors.erase(id);
  }
};

}  // namespace

std::string real_path(const std::string& path) {
  char buf[PATH_MAX];
  if (realpath(path.c_str(), buf) == nullptr) return {};
  return buf;
}

WalkResult walk_tree(const std::string& canonical_root, bool allow_dotfiles) {
  Walker walker{canonical_root, allow_dotfiles, {}, {}};
  struct stat st {};
  if (stat(canonical_root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    walker.result.warnings.push_back(canonical_root + " is not a readable directory");
    return std::move(walker.result);
  }
  walker.walk(canonical_root, "/", 0, st);
  std::sort(walker.result.files.begin(), walker.result.files.end(),
            [](const FoundFile& a, const FoundFile& b) { return a.url < b.url; });
  return std::move(walker.result);
}

}  // namespace ew::static_files
