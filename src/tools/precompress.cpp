#include "tools/precompress.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <mutex>
#include <ostream>

#include "static/static.h"
#include "tools/file_io.h"
#include "tools/parallel.h"

namespace ew::tools {
namespace {

using static_files::Encoding;

struct Output {
  Encoding encoding;
  int level;
};
constexpr std::array<Output, 3> kOutputs = {
    Output{Encoding::kBrotli, static_files::kBrotliMaxQuality},
    Output{Encoding::kGzip, static_files::kGzipMaxLevel},
    Output{Encoding::kZstd, static_files::kZstdBuildLevel}};

enum class Outcome { kWritten, kUpToDate, kNotSmaller, kFailed };

struct Job {
  std::string source;
  Output output;
  Outcome outcome = Outcome::kFailed;
  std::uint64_t source_size = 0;
  std::uint64_t output_size = 0;
  std::string error;
};

bool same_mtime(const struct stat& a, const struct stat& b) {
  return a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec;
}

void run_job(Job& job) {
  std::string target = job.source + std::string(static_files::encoding_suffix(job.output.encoding));
  struct stat src {
  }, out{};
  if (stat(job.source.c_str(), &src) != 0) {
    job.error = "cannot stat " + job.source;
    return;
  }
  job.source_size = static_cast<std::uint64_t>(src.st_size);
  bool exists = stat(target.c_str(), &out) == 0;
  if (exists && same_mtime(src, out)) {
    job.outcome = Outcome::kUpToDate;
    job.output_size = static_cast<std::uint64_t>(out.st_size);
    return;
  }
  std::optional<std::string> data = read_file(job.source);
  if (!data) {
    job.error = "cannot read " + job.source;
    return;
  }
  std::optional<std::string> packed =
      static_files::compress(job.output.encoding, *data, job.output.level);
  if (!packed) {
    job.error = "cannot compress " + job.source;
    return;
  }
  if (packed->size() >= data->size()) {
    if (exists) unlink(target.c_str());  // a stale output would be served instead
    job.outcome = Outcome::kNotSmaller;
    return;
  }
  if (!write_file_atomic(target, *packed, src.st_mode, &job.error)) return;
  timespec times[2] = {src.st_atim, src.st_mtim};
  utimensat(AT_FDCWD, target.c_str(), times, 0);
  job.outcome = Outcome::kWritten;
  job.output_size = packed->size();
}

bool is_output(const std::string& url) {
  for (Encoding e : {Encoding::kBrotli, Encoding::kGzip, Encoding::kZstd}) {
    if (url.ends_with(static_files::encoding_suffix(e))) return true;
  }
  return false;
}

}  // namespace

PrecompressSummary precompress(const PrecompressOptions& options) {
  PrecompressSummary summary;
  std::string root = static_files::real_path(options.dir);
  if (root.empty()) {
    summary.errors.push_back("cannot read directory " + options.dir);
    return summary;
  }
  static_files::WalkResult tree = static_files::walk_tree(root, /*allow_dotfiles=*/false);
  std::vector<Job> jobs;
  for (const static_files::FoundFile& file : tree.files) {
    if (is_output(file.url) || !static_files::mime_for_path(file.url).compressible) continue;
    struct stat st {};
    if (stat(file.real_path.c_str(), &st) != 0) continue;
    if (static_cast<std::uint64_t>(st.st_size) < options.min_size) continue;
    ++summary.sources;
    summary.source_bytes += static_cast<std::uint64_t>(st.st_size);
    // Beside the name as listed (a symlink's own directory), not beside its target.
    for (Output output : kOutputs) {
      Job job;
      job.source = options.dir + file.url;
      job.output = output;
      jobs.push_back(std::move(job));
    }
  }
  parallel_for(jobs.size(), options.threads, [&](std::size_t i) { run_job(jobs[i]); });
  for (const Job& job : jobs) {
    switch (job.outcome) {
      case Outcome::kWritten:
        ++summary.written;
        break;
      case Outcome::kUpToDate:
        ++summary.up_to_date;
        break;
      case Outcome::kNotSmaller:
        ++summary.not_smaller;
        break;
      case Outcome::kFailed:
        summary.errors.push_back(job.error);
        break;
    }
    if (job.output.encoding == Encoding::kBrotli) summary.brotli_bytes += job.output_size;
  }
  return summary;
}

int run_precompress(const PrecompressOptions& options, std::ostream& out, std::ostream& err) {
  PrecompressSummary s = precompress(options);
  for (const std::string& e : s.errors) err << "edgewatch precompress: " << e << "\n";
  out << "precompress: " << s.sources << " files (" << s.source_bytes << " bytes): " << s.written
      << " outputs written, " << s.up_to_date << " up to date, " << s.not_smaller
      << " not smaller; brotli total " << s.brotli_bytes << " bytes\n";
  return s.errors.empty() ? 0 : 1;
}

}  // namespace ew::tools
