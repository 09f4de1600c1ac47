// Generates a Nix-cache-shaped tree for the ingest benchmark, and the same
// rows as CSV files for the raw-load baselines (sqlite3 .import, psql \copy).
//
//   ingest_bench_gen DIR N [--malformed-every K] [--csv CSVDIR]
//
// DIR/store/narinfo/<h0>/<h0h1>/<hash>.narinfo for seeds 0..N-1 (realistic
// fields, 1-20 references, 1-3 signatures), plus one malformed narinfo every
// K objects (default 10000) under store/narinfo/zz/, plus a nix-cache-info
// and a few nar/ files (not narinfos: ingest ignores them).
// CSV (RFC 4180, header row, empty = NULL): narinfos.csv,
// narinfo_references.csv, narinfo_signatures.csv, columns as the codec's;
// children carry narinfo_id = the 1-based row of narinfos.csv (the id a
// fresh table assigns when narinfos.csv is loaded in order).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "store/codecs/narinfo.h"
#include "store/codecs/narinfo_generator.h"

namespace {

std::string Csv(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}
std::string Opt(const std::optional<std::string>& s) { return s ? Csv(*s) : ""; }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s DIR N [--malformed-every K] [--csv CSVDIR]\n", argv[0]);
    return 2;
  }
  namespace fs = std::filesystem;
  std::string dir = argv[1];
  uint64_t n = std::strtoull(argv[2], nullptr, 10);
  uint64_t every = 10000;
  std::string csv_dir;
  for (int i = 3; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--malformed-every") every = std::strtoull(argv[i + 1], nullptr, 10);
    if (a == "--csv") csv_dir = argv[i + 1];
  }
  fs::create_directories(dir + "/nar");
  std::ofstream(dir + "/nix-cache-info") << "StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n";
  std::ofstream parents, refs, sigs;
  if (!csv_dir.empty()) {
    fs::create_directories(csv_dir);
    parents.open(csv_dir + "/narinfos.csv");
    refs.open(csv_dir + "/narinfo_references.csv");
    sigs.open(csv_dir + "/narinfo_signatures.csv");
    parents << "hash,store_path,url,compression,file_hash,file_size,nar_hash,nar_size,deriver,system,ca\n";
    refs << "narinfo_id,position,reference\n";
    sigs << "narinfo_id,position,signature\n";
  }
  std::string last_dir;
  uint64_t malformed = 0;
  for (uint64_t i = 0; i < n; ++i) {
    ferry::NarInfo info = ferry::GenerateNarInfo(i);
    std::string rel = ferry::NarInfoObjectKey(info.hash);
    fs::path p = fs::path(dir) / rel;
    std::string parent = p.parent_path().string();
    if (parent != last_dir) {
      fs::create_directories(parent);
      last_dir = parent;
    }
    std::FILE* f = std::fopen(p.c_str(), "wb");
    std::string text = ferry::RenderNarInfo(info);
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
    if (i < 3) std::ofstream(dir + "/nar/" + info.hash + ".nar.xz") << "not a narinfo";
    if (every && i % every == every - 1) {
      fs::create_directories(dir + "/store/narinfo/zz");
      std::ofstream(dir + "/store/narinfo/zz/bad" + std::to_string(malformed) + ".narinfo")
          << ferry::GenerateMalformedNarInfo(malformed).text;
      ++malformed;
    }
    if (!csv_dir.empty()) {
      parents << info.hash << ',' << Csv(info.store_path) << ',' << Csv(info.url) << ','
              << Csv(info.compression) << ',' << Opt(info.file_hash) << ','
              << (info.file_size ? std::to_string(*info.file_size) : "") << ','
              << Csv(info.nar_hash) << ',' << info.nar_size << ',' << Opt(info.deriver) << ','
              << Opt(info.system) << ',' << Opt(info.ca) << '\n';
      // narinfos.id as a load of narinfos.csv in file order assigns it.
      const uint64_t id = i + 1;
      for (size_t r = 0; r < info.references.size(); ++r)
        refs << id << ',' << r << ',' << Csv(info.references[r]) << '\n';
      for (size_t s = 0; s < info.signatures.size(); ++s)
        sigs << id << ',' << s << ',' << Csv(info.signatures[s]) << '\n';
    }
  }
  std::printf("%llu narinfos, %llu malformed\n", static_cast<unsigned long long>(n),
              static_cast<unsigned long long>(malformed));
  return 0;
}
