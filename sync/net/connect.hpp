// What the HTTP and WebSocket clients share: the TLS context for a hub URL, and an open connection
// to it (TCP, then TLS with the server's name checked when the URL is https).
#pragma once

#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "config/config_file.hpp"
#include "config/error.hpp"
#include "sync/net/any_stream.hpp"
#include "sync/net/client.hpp"

namespace dwell::sync::net {

// nullptr for http; for https a context trusting options.ca_file, or the system's CA certificates.
Result<std::unique_ptr<boost::asio::ssl::context>> client_tls(const config::Url& base,
                                                              const ClientOptions& options);

// Resolves, connects (TCP_NODELAY) and, when `tls` is given, completes the TLS handshake with SNI and
// the certificate checked against the host name. Each step must finish within options.timeout.
boost::asio::awaitable<Result<AnyStream>> open_stream(boost::asio::any_io_executor executor,
                                                      const config::Url& base, const ClientOptions& options,
                                                      boost::asio::ssl::context* tls);

}  // namespace dwell::sync::net
