// FakeHttpServer: a loopback HTTP/1.1 server for fault injection and for
// capturing exactly what libcurl sends (the Authorization header).
//
// It listens on 127.0.0.1 at a free port, answers one request per
// connection (always "Connection: close"), and asks a handler what to reply.
// A reply can stall: the server then sends nothing until the client gives up
// or the server stops. Used by tests/unit/store and tests/integration/s3.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ferry::testing {

struct CapturedRequest {
  std::string method;
  std::string target;  // path and query, as sent
  std::vector<std::pair<std::string, std::string>> headers;  // as sent, in order
  std::string body;

  // First header with this name (case-insensitive); "" if none.
  std::string Header(const std::string& name) const {
    for (const auto& [n, v] : headers) {
      if (n.size() == name.size() && strncasecmp(n.c_str(), name.c_str(), n.size()) == 0) return v;
    }
    return "";
  }
  std::string Path() const { return target.substr(0, target.find('?')); }
  std::string Query() const {
    size_t q = target.find('?');
    return q == std::string::npos ? "" : target.substr(q + 1);
  }
};

struct FakeReply {
  int status = 200;
  std::string body;
  bool stall = false;  // send nothing; hold the connection open
};

class FakeHttpServer {
 public:
  using Handler = std::function<FakeReply(const CapturedRequest&)>;

  explicit FakeHttpServer(Handler handler) : handler_(std::move(handler)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ok_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 && ::listen(fd_, 64) == 0;
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }

  ~FakeHttpServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }

  bool ok() const { return ok_; }
  int port() const { return port_; }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }

  std::vector<CapturedRequest> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  void Loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      Serve(c);
      ::close(c);
    }
  }

  // Reads until `pred` holds on the buffer, the peer closes, or we stop.
  bool ReadUntil(int c, std::string* buf, const std::function<bool()>& pred) {
    char tmp[65536];
    while (!pred()) {
      pollfd p{c, POLLIN, 0};
      if (stop_) return false;
      if (::poll(&p, 1, 50) <= 0) continue;
      ssize_t n = ::recv(c, tmp, sizeof(tmp), 0);
      if (n <= 0) return false;
      buf->append(tmp, static_cast<size_t>(n));
    }
    return true;
  }

  void Serve(int c) {
    std::string buf;
    if (!ReadUntil(c, &buf, [&] { return buf.find("\r\n\r\n") != std::string::npos; })) return;
    size_t head_end = buf.find("\r\n\r\n");
    CapturedRequest req;
    std::string head = buf.substr(0, head_end);
    size_t line_end = head.find("\r\n");
    std::string first = head.substr(0, line_end);
    size_t sp1 = first.find(' ');
    size_t sp2 = first.rfind(' ');
    req.method = first.substr(0, sp1);
    req.target = first.substr(sp1 + 1, sp2 - sp1 - 1);
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t e = head.find("\r\n", pos);
      if (e == std::string::npos) e = head.size();
      std::string line = head.substr(pos, e - pos);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        size_t v = line.find_first_not_of(' ', colon + 1);
        req.headers.emplace_back(line.substr(0, colon), v == std::string::npos ? "" : line.substr(v));
      }
      pos = e + 2;
    }
    size_t content_length = 0;
    if (std::string cl = req.Header("Content-Length"); !cl.empty()) content_length = std::stoul(cl);
    size_t body_start = head_end + 4;
    ReadUntil(c, &buf, [&] { return buf.size() >= body_start + content_length; });
    req.body = buf.substr(body_start, content_length);
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(req);
    }
    FakeReply reply = handler_(req);
    if (reply.stall) {
      // Hold the connection, reading nothing more, until the client hangs up
      // (its timeout) or the server stops.
      std::string sink;
      ReadUntil(c, &sink, [] { return false; });
      return;
    }
    std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " Fake\r\nContent-Length: " +
                      std::to_string(reply.body.size()) +
                      "\r\nContent-Type: application/xml\r\nConnection: close\r\n\r\n" + reply.body;
    size_t off = 0;
    while (off < out.size()) {
      ssize_t n = ::send(c, out.data() + off, out.size() - off, MSG_NOSIGNAL);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
  }

  Handler handler_;
  int fd_ = -1;
  int port_ = 0;
  bool ok_ = false;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<CapturedRequest> requests_;
};

}  // namespace ferry::testing
