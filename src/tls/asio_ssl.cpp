// The one translation unit that compiles Asio's SSL implementation (the rest of Asio is
// compiled in src/net/asio_impl.cpp, target ew_asio): only the tls layer uses it.
#include <utility>

#include <boost/asio/ssl/impl/src.hpp>
