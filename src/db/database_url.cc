#include "db/database_url.h"

#include <cctype>
#include <charconv>

namespace ferry {
namespace {

std::string PercentDecode(const std::string& s, bool* ok) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
        *ok = false;
        return out;
      }
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// "scheme://user:***@host..." — used in messages about a URL we failed to parse.
std::string RedactRaw(const std::string& url) { return RedactSecrets(url); }

}  // namespace

// A hand-written scanner rather than std::regex: compiling the two patterns
// cost more than everything else `ferry status` does with 1,000 migrations.
namespace {

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// scheme://user:secret@  ->  scheme://user:***@
std::string RedactUrlPasswords(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    size_t p = text.find("://", i);
    if (p == std::string::npos) break;
    // A scheme must precede: [A-Za-z][A-Za-z0-9+.-]*
    size_t b = p;
    while (b > i && (std::isalnum(static_cast<unsigned char>(text[b - 1])) || text[b - 1] == '+' ||
                     text[b - 1] == '.' || text[b - 1] == '-'))
      --b;
    bool scheme = b < p && std::isalpha(static_cast<unsigned char>(text[b]));
    size_t k = p + 3;
    while (k < text.size() && text[k] != ':' && text[k] != '/' && text[k] != '@' && !IsSpace(text[k]))
      ++k;
    if (scheme && k < text.size() && text[k] == ':') {
      size_t m = k + 1;
      while (m < text.size() && text[m] != '@' && text[m] != '/' && !IsSpace(text[m])) ++m;
      if (m < text.size() && text[m] == '@') {
        out.append(text, i, k + 1 - i);
        out += "***@";
        i = m + 1;
        continue;
      }
    }
    out.append(text, i, p + 3 - i);
    i = p + 3;
  }
  out.append(text, i, std::string::npos);
  return out;
}

// password=secret, password = 'secret'  ->  password=***
std::string RedactKeyValuePasswords(const std::string& text) {
  static constexpr std::string_view kKey = "password";
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    size_t p = std::string::npos;
    for (size_t j = i; j + kKey.size() <= text.size(); ++j) {
      bool match = true;
      for (size_t c = 0; c < kKey.size() && match; ++c)
        match = std::tolower(static_cast<unsigned char>(text[j + c])) == kKey[c];
      if (match) {
        p = j;
        break;
      }
    }
    if (p == std::string::npos) break;
    size_t k = p + kKey.size();
    while (k < text.size() && IsSpace(text[k])) ++k;
    if (k >= text.size() || text[k] != '=') {
      out.append(text, i, p + kKey.size() - i);
      i = p + kKey.size();
      continue;
    }
    ++k;
    while (k < text.size() && IsSpace(text[k])) ++k;
    size_t v = k;
    if (v < text.size() && text[v] == '\'') {
      size_t close = text.find('\'', v + 1);
      v = close == std::string::npos ? text.size() : close + 1;
    } else {
      while (v < text.size() && !IsSpace(text[v]) && text[v] != '&') ++v;
    }
    if (v == k) {  // "password=" with nothing after it: nothing to hide
      out.append(text, i, k - i);
      i = k;
      continue;
    }
    out.append(text, i, k - i);
    out += "***";
    i = v;
  }
  out.append(text, i, std::string::npos);
  return out;
}

}  // namespace

std::string RedactSecrets(const std::string& text) {
  return RedactKeyValuePasswords(RedactUrlPasswords(text));
}

Result<DatabaseUrl> DatabaseUrl::Parse(const std::string& url) {
  DatabaseUrl u;
  u.original = url;
  auto bad = [&](const std::string& why) {
    return InvalidArgument("malformed database URL \"" + RedactRaw(url) + "\": " + why);
  };
  if (url.empty()) return bad("empty (give --db or FERRY_DATABASE_URL)");
  size_t colon = url.find(':');
  if (colon == std::string::npos || colon == 0) return bad("missing scheme (e.g. sqlite:app.db)");
  u.scheme = url.substr(0, colon);
  for (char& c : u.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (char c : u.scheme) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.')
      return bad("invalid scheme");
  }
  if (u.scheme == "postgresql") u.scheme = "postgres";
  if (u.scheme == "sqlite3") u.scheme = "sqlite";
  if (u.scheme == "mariadb") u.scheme = "mysql";
  std::string rest = url.substr(colon + 1);

  // Split off the query string.
  std::string query;
  if (size_t q = rest.find('?'); q != std::string::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  bool ok = true;
  size_t pos = 0;
  while (pos < query.size()) {
    size_t amp = query.find('&', pos);
    std::string kv = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    pos = amp == std::string::npos ? query.size() : amp + 1;
    if (kv.empty()) continue;
    size_t eq = kv.find('=');
    std::string k = PercentDecode(kv.substr(0, eq), &ok);
    std::string v = eq == std::string::npos ? "" : PercentDecode(kv.substr(eq + 1), &ok);
    if (!ok) return bad("bad %-escape in query");
    u.params[k] = v;
  }

  const bool file_engine = u.scheme == "sqlite" || u.scheme == "duckdb" || u.scheme == "rocksdb";
  if (file_engine) {
    // sqlite:app.db, sqlite:/abs, sqlite:///abs, sqlite://rel (treated as relative)
    std::string p = rest;
    if (p.rfind("//", 0) == 0) p = p.substr(2);
    if (p.empty()) return bad("missing file path (e.g. " + u.scheme + ":app.db)");
    u.path = PercentDecode(p, &ok);
    if (!ok) return bad("bad %-escape in path");
    return u;
  }

  if (rest.rfind("//", 0) != 0) return bad("expected " + u.scheme + "://host/database");
  rest = rest.substr(2);
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  std::string dbpart = slash == std::string::npos ? "" : rest.substr(slash + 1);
  if (size_t at = authority.rfind('@'); at != std::string::npos) {
    std::string userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    size_t c = userinfo.find(':');
    u.user = PercentDecode(userinfo.substr(0, c), &ok);
    if (c != std::string::npos) u.password = PercentDecode(userinfo.substr(c + 1), &ok);
    if (!ok) return bad("bad %-escape in user or password");
  }
  // host, host:port or [v6]:port
  std::string hostport = authority;
  std::string port_text;
  bool has_port = false;
  if (!hostport.empty() && hostport.front() == '[') {
    size_t close = hostport.find(']');
    if (close == std::string::npos) return bad("unterminated IPv6 address");
    u.host = hostport.substr(1, close - 1);
    std::string after = hostport.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("junk after IPv6 address");
      has_port = true;
      port_text = after.substr(1);
    }
  } else {
    size_t c = hostport.rfind(':');
    u.host = hostport.substr(0, c);
    if (c != std::string::npos) {
      has_port = true;
      port_text = hostport.substr(c + 1);
    }
  }
  if (has_port) {
    int port = 0;
    auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || ec != std::errc() || p != port_text.data() + port_text.size() ||
        port <= 0 || port > 65535)
      return bad("invalid port \"" + port_text + "\"");
    u.port = port;
  }
  u.database = PercentDecode(dbpart, &ok);
  if (!ok) return bad("bad %-escape in database name");
  if (u.host.empty() && !u.params.count("host")) return bad("missing host");
  return u;
}

std::string DatabaseUrl::Redacted() const { return RedactSecrets(original); }

}  // namespace ferry
