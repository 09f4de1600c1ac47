// MetricsServer: serves a MetricsRegistry over HTTP for Prometheus to scrape.
//
//   FERRY_ASSIGN_OR_RETURN(auto server, MetricsServer::Start(&registry, {}));
//   // GET http://127.0.0.1:<server->port()>/metrics  ... until server is destroyed
//
// The server runs on its own thread from Start() until the object is
// destroyed (RAII): the destructor stops accepting, finishes the request in
// flight and joins the thread. It binds to loopback unless told otherwise, so
// a migration never exposes metrics to the network by accident.
//
// Thread-safety: the registry is read from the server thread; it must outlive
// the server. The object itself is not shared between threads.
#pragma once

#include <memory>
#include <string>

#include "ferry/status.h"
#include "obs/metrics.h"

namespace ferry {

struct MetricsServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0 = an ephemeral port (read it back with port())
  std::string path = "/metrics";
};

class MetricsServer {
 public:
  // Binds host:port and starts serving. Unavailable (naming host:port) when
  // the address cannot be bound; nothing is left running then.
  static Result<std::unique_ptr<MetricsServer>> Start(const MetricsRegistry* registry,
                                                      const MetricsServerOptions& options);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  const std::string& host() const { return host_; }
  int port() const { return port_; }
  // "http://127.0.0.1:9187/metrics" (IPv6 hosts in brackets).
  std::string Url() const;

 private:
  struct Impl;
  MetricsServer(std::unique_ptr<Impl> impl, std::string host, int port, std::string path);

  std::unique_ptr<Impl> impl_;
  std::string host_;
  int port_;
  std::string path_;
};

}  // namespace ferry
