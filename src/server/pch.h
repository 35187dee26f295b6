// Precompiled header for the Asio/Beast translation units of ew_server.
#pragma once
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <utility>  // Boost 1.74's asio/awaitable.hpp needs it first with g++ 12.
