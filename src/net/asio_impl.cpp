// The one translation unit that compiles Asio's and Beast's implementation (Asio's TLS part is
// in tls/asio_ssl.cpp) (BOOST_ASIO_SEPARATE_COMPILATION / BOOST_BEAST_SEPARATE_COMPILATION).
// Boost 1.74's asio/awaitable.hpp needs <utility> first with g++ 12.
#include <utility>

#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
