// The build tools, as subcommands of the edgewatch binary, for the CI step the seed did with
// Vite plugins: precompress, budget and sri.
#pragma once

namespace CLI {
class App;
}

namespace ew {

// Adds the subcommands to `app`; the one that runs stores its exit status in `exit_code`
// (which must outlive app.parse()).
void add_build_tools(CLI::App& app, int& exit_code);

}  // namespace ew
