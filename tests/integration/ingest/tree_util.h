// Helpers shared by the ingest integration and crash tests: a Nix-cache tree
// on disk, the ferry binary, a scratch PostgreSQL database.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "db/database.h"
#include "store/codecs/narinfo.h"
#include "store/codecs/narinfo_generator.h"

namespace ferry::testing {

// n good narinfos (seeds first..first+n-1) at their Nix cache paths and `bad`
// malformed ones under store/narinfo/zz/.
inline void WriteTree(const std::string& root, int first, int n, int bad = 0) {
  namespace fs = std::filesystem;
  for (int i = first; i < first + n; ++i) {
    NarInfo info = GenerateNarInfo(static_cast<uint64_t>(i));
    fs::path p = fs::path(root) / NarInfoObjectKey(info.hash);
    fs::create_directories(p.parent_path());
    std::ofstream(p) << GenerateNarInfoText(static_cast<uint64_t>(i));
  }
  for (int i = 0; i < bad; ++i) {
    fs::path p = fs::path(root) / ("store/narinfo/zz/bad" + std::to_string(i) + ".narinfo");
    fs::create_directories(p.parent_path());
    std::ofstream(p) << GenerateMalformedNarInfo(static_cast<uint64_t>(i)).text;
  }
}

inline size_t CountFiles(const std::string& root) {
  size_t n = 0;
  if (!std::filesystem::exists(root)) return 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(root)) n += e.is_regular_file();
  return n;
}

struct CmdResult {
  int exit_code = -1;
  std::string out;
};

// Runs a shell command line; stdout captured, stderr to `err_file` if given.
inline CmdResult RunCmd(const std::string& cmd) {
  CmdResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = pclose(p);
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

inline int64_t CountRows(Database* db, const std::string& table) {
  auto r = db->Query("SELECT COUNT(*) FROM " + table, {});
  return r.ok() ? r->GetInt(0, 0).value_or(-1) : -1;
}

// A fresh database on the test PostgreSQL server, dropped by the destructor.
class ScratchPg {
 public:
  explicit ScratchPg(const std::string& admin_url) : admin_url_(admin_url) {
    name_ = "ferry_ingest_" + std::to_string(Env::Default()->Random64() % 1000000000);
    auto admin = OpenDatabase(admin_url_, Env::Default());
    if (!admin.ok()) return;
    if (!(*admin)->Exec("CREATE DATABASE " + name_).ok()) return;
    auto pos = admin_url_.rfind('/');
    url_ = admin_url_.substr(0, pos + 1) + name_;
  }
  ~ScratchPg() {
    if (url_.empty()) return;
    auto admin = OpenDatabase(admin_url_, Env::Default());
    if (admin.ok()) (void)(*admin)->Exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  }
  const std::string& url() const { return url_; }

 private:
  std::string admin_url_, name_, url_;
};

}  // namespace ferry::testing
