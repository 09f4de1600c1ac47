// narinfo_server: a Nix binary cache front that serves narinfos from the
// database, migrating each from the old store on first request
// (ferry::ReadThrough). Point a Nix client at it as a substituter.
//
//   narinfo_server --db sqlite:/var/lib/ncps/db.sqlite --store file:///var/lib/ncps
//                  [--listen 127.0.0.1:8080] [--delete-source]
//
//   GET /nix-cache-info      StoreDir: /nix/store ...
//   GET /<hash>.narinfo      the narinfo (text/x-nix-narinfo), 404 if unknown
//   GET /stats               read-through counters (text)
#include <httplib.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "ferry/read_through.h"

int main(int argc, char** argv) {
  ferry::ReadThroughOptions o;
  std::string listen = "127.0.0.1:8080";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--db") o.database_url = next();
    else if (a == "--store") o.store_url = next();
    else if (a == "--listen") listen = next();
    else if (a == "--delete-source") o.delete_source = true;
    else {
      std::fprintf(stderr, "usage: %s --db URL --store URL [--listen HOST:PORT] [--delete-source]\n", argv[0]);
      return 2;
    }
  }
  auto rt = ferry::ReadThrough::Open(o);
  if (!rt.ok()) {
    std::fprintf(stderr, "narinfo_server: %s\n", rt.status().ToString().c_str());
    return 1;
  }
  httplib::Server server;
  server.Get("/nix-cache-info", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n", "text/x-nix-cache-info");
  });
  server.Get(R"(/([0-9a-z]{32})\.narinfo)", [&](const httplib::Request& req, httplib::Response& res) {
    auto text = (*rt)->Get(req.matches[1].str());
    if (text.ok()) {
      res.set_content(*text, "text/x-nix-narinfo");
    } else if (text.status().code() == ferry::Code::kNotFound) {
      res.status = 404;
      res.set_content("not found\n", "text/plain");
    } else {
      res.status = 500;
      res.set_content(text.status().ToString() + "\n", "text/plain");
    }
  });
  server.Get("/stats", [&](const httplib::Request&, httplib::Response& res) {
    ferry::ReadThroughStats s = (*rt)->stats();
    res.set_content("database_hits " + std::to_string(s.database_hits) + "\nmigrated " +
                        std::to_string(s.migrated) + "\nnot_found " + std::to_string(s.not_found) +
                        "\nshared_flights " + std::to_string(s.shared_flights) + "\n",
                    "text/plain");
  });
  size_t colon = listen.rfind(':');
  std::string host = listen.substr(0, colon);
  int port = std::atoi(listen.c_str() + colon + 1);
  std::fprintf(stderr, "narinfo_server: listening on http://%s:%d\n", host.c_str(), port);
  if (!server.listen(host, port)) {
    std::fprintf(stderr, "narinfo_server: cannot listen on %s\n", listen.c_str());
    return 1;
  }
  return 0;
}
