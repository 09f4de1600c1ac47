#include "obs/metrics_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <chrono>
#include <thread>

namespace ferry {

struct MetricsServer::Impl {
  httplib::Server server;
  std::thread thread;
};

Result<std::unique_ptr<MetricsServer>> MetricsServer::Start(const MetricsRegistry* registry,
                                                            const MetricsServerOptions& options) {
  auto impl = std::make_unique<Impl>();
  const std::string where = options.host + ":" + std::to_string(options.port);
  impl->server.Get(options.path, [registry](const httplib::Request&, httplib::Response& res) {
    res.set_content(registry->TextExposition(), std::string(MetricsRegistry::kContentType));
  });
  impl->server.set_keep_alive_max_count(10);
  // httplib's default also sets SO_REUSEPORT, which would let a second
  // process bind the same port and take half the scrapes: keep REUSEADDR only,
  // so a port in use is an error.
  impl->server.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  int port = options.port;
  try {
    if (port == 0) {
      port = impl->server.bind_to_any_port(options.host);
      if (port < 0) port = 0;
    } else if (!impl->server.bind_to_port(options.host, port)) {
      port = 0;
    }
  } catch (const std::exception& e) {  // third-party exceptions stop here
    return Unavailable("metrics server: cannot bind " + where + ": " + e.what());
  }
  if (port <= 0) return Unavailable("metrics server: cannot bind " + where);

  httplib::Server* server = &impl->server;
  impl->thread = std::thread([server] { server->listen_after_bind(); });
  // httplib's stop() is a no-op until the accept loop runs, so wait for it;
  // connections made meanwhile queue in the listen backlog.
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!server->is_running() && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!server->is_running()) {
    impl->thread.detach();  // cannot be stopped safely; should never happen
    (void)impl.release();   // the detached thread still uses it
    return Internal("metrics server: " + where + " did not start");
  }
  return std::unique_ptr<MetricsServer>(
      new MetricsServer(std::move(impl), options.host, port, options.path));
}

MetricsServer::MetricsServer(std::unique_ptr<Impl> impl, std::string host, int port,
                             std::string path)
    : impl_(std::move(impl)), host_(std::move(host)), port_(port), path_(std::move(path)) {}

MetricsServer::~MetricsServer() {
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::string MetricsServer::Url() const {
  std::string h = host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_;
  return "http://" + h + ":" + std::to_string(port_) + path_;
}

}  // namespace ferry
