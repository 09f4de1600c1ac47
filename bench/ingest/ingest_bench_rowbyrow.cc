// The ncps way, as a baseline: walk the tree, and for each narinfo file
// read, parse, BEGIN, check the hash, INSERT the narinfo row, then each
// reference and signature row one statement at a time, COMMIT -- one
// transaction per file, `workers` threads (SQLite: writes serialize anyway).
//
//   ingest_bench_rowbyrow DIR DB_URL [workers] [max_files]
// The tables must exist (run `ferry ingest` on an empty directory first).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "db/database.h"
#include "store/codecs/codec.h"
#include "store/codecs/narinfo_codec.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s DIR DB_URL [workers]\n", argv[0]);
    return 2;
  }
  namespace fs = std::filesystem;
  std::string dir = argv[1];
  std::string url = argv[2];
  int workers = argc > 3 ? std::atoi(argv[3]) : 1;
  uint64_t max_files = argc > 4 ? std::strtoull(argv[4], nullptr, 10) : UINT64_MAX;
  uint64_t taken = 0;
  ferry::NarInfoCodec codec;
  fs::recursive_directory_iterator it(dir), end;
  std::mutex mu;
  std::atomic<uint64_t> ok{0}, failed{0}, skipped{0};
  auto start = std::chrono::steady_clock::now();
  auto work = [&] {
    auto db = ferry::OpenDatabase(url, ferry::Env::Default());
    if (!db.ok()) {
      std::fprintf(stderr, "%s\n", db.status().ToString().c_str());
      std::exit(1);
    }
    std::vector<std::unique_ptr<ferry::PreparedStatement>> ins;
    for (const auto& t : codec.Tables()) {
      std::string sql = ferry::InsertSql(t, 1);
      if (ins.empty()) sql += " RETURNING " + t.id_column;  // children key on it
      ins.push_back((*db)->Prepare(sql).value());
    }
    auto exists = (*db)->Prepare(codec.KeyExistsSql()).value();
    for (;;) {
      std::string path;
      {
        std::lock_guard<std::mutex> l(mu);
        while (it != end && !(it->is_regular_file() && it->path().extension() == ".narinfo")) ++it;
        if (it == end || taken >= max_files) return;
        ++taken;
        path = it->path().string();
        ++it;
      }
      std::ifstream in(path, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      auto rec = codec.ParseOne(path, ss.str());
      if (!rec.ok()) {
        failed++;
        continue;
      }
      (void)(*db)->Begin();
      if (!exists->Query({rec->key})->empty()) {
        (void)(*db)->Rollback();
        skipped++;
        continue;
      }
      auto parent = ins[0]->Query(rec->rows[0][0]);
      bool good = parent.ok() && parent->size() == 1;
      const int64_t id = good ? parent->GetInt(0, 0).value_or(0) : 0;
      for (size_t t = 1; t < rec->rows.size() && good; ++t)
        for (auto row : rec->rows[t]) {
          row[0] = ferry::Value(id);  // narinfo_id
          good = good && ins[t]->Execute(row).ok();
        }
      if (good && (*db)->Commit().ok()) {
        ok++;
      } else {
        (void)(*db)->Rollback();
        failed++;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < workers; ++i) threads.emplace_back(work);
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("rowbyrow succeeded=%llu failed=%llu skipped=%llu seconds=%.2f rate=%.1f\n",
              static_cast<unsigned long long>(ok.load()), static_cast<unsigned long long>(failed.load()),
              static_cast<unsigned long long>(skipped.load()), secs, (ok + failed + skipped) / secs);
  return 0;
}
