// The [server] and [log] configuration sections and their translation into options.
#pragma once

#include "config/config.h"
#include "log/log.h"
#include "server/server.h"

namespace ew {

void declare_server_settings(config::Schema& schema);
ServerOptions server_options(const config::Settings& settings);
log::Options log_options(const config::Settings& settings);

}  // namespace ew
