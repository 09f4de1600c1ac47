// DatabaseUrl: a parsed, redactable database address.
//
//   sqlite:app.db   sqlite:/abs/path.db   sqlite:///abs/path.db   sqlite::memory:
//   postgres://user:pass@host:5432/db?sslmode=disable   (also postgresql://)
//   mysql://user:pass@host:3306/db       duckdb:file.duckdb
//
// The password is kept only in `password`; Redacted() is what may be logged.
#pragma once

#include <map>
#include <string>

#include "ferry/status.h"

namespace ferry {

struct DatabaseUrl {
  std::string scheme;  // "sqlite", "postgres", "mysql", "duckdb", ...
  std::string path;    // file engines: the file path (or ":memory:")
  std::string user;
  std::string password;  // never logged
  std::string host;
  int port = 0;  // 0 = engine default
  std::string database;
  std::map<std::string, std::string> params;  // query string, decoded
  std::string original;                       // as given (contains the password: do not log)

  // Parses a URL; InvalidArgument (naming the redacted URL) when malformed.
  static Result<DatabaseUrl> Parse(const std::string& url);

  // The URL with the password replaced by "***"; safe for logs and output.
  std::string Redacted() const;
  bool IsFileEngine() const { return !path.empty(); }
};

// Redacts passwords in any text that may contain URLs ("://user:pw@" forms)
// or key=value connection strings ("password=..."). Used on engine error
// messages before they leave an adapter.
std::string RedactSecrets(const std::string& text);

}  // namespace ferry
