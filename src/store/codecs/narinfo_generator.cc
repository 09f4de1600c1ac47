#include "store/codecs/narinfo_generator.h"

#include <array>

namespace ferry {
namespace {

constexpr char kBase32[] = "0123456789abcdfghijklmnpqrsvwxyz";
constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::string_view, 24> kNames = {
    "hello-2.12.1", "glibc-2.38-27", "bash-5.2p26", "coreutils-9.4", "openssl-3.0.13",
    "python3-3.11.8", "gcc-13.2.0-lib", "zlib-1.3.1", "curl-8.6.0", "perl-5.38.2",
    "systemd-255.4", "nix-2.18.2", "libffi-3.4.6", "ncurses-6.4", "readline-8.2p10",
    "xz-5.4.6", "bzip2-1.0.8", "sqlite-3.45.1", "gnugrep-3.11", "gnused-4.9",
    "source", "linux-6.6.22-modules", "firefox-124.0.1", "rustc-1.76.0"};
constexpr std::array<std::string_view, 4> kSystems = {"x86_64-linux", "aarch64-linux",
                                                      "x86_64-darwin", "aarch64-darwin"};
constexpr std::array<std::string_view, 3> kSigners = {"cache.nixos.org-1", "ncps.example.com-1",
                                                      "hydra.example.org-2"};

// splitmix64: a bijection on uint64, so distinct seeds stay distinct.
uint64_t Mix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() { return Mix(state_++ * 0x2545f4914f6cdd1dULL + 0x632be59bd9b4e019ULL); }
  int Between(int lo, int hi) { return lo + static_cast<int>(Next() % static_cast<uint64_t>(hi - lo + 1)); }
  bool Chance(int percent) { return static_cast<int>(Next() % 100) < percent; }
  std::string Base32(size_t n) {
    std::string out(n, '0');
    for (char& c : out) c = kBase32[Next() % 32];
    return out;
  }
  std::string Base64(size_t bytes) {
    std::string out;
    size_t chars = (bytes + 2) / 3 * 4;
    size_t pad = (3 - bytes % 3) % 3;
    for (size_t i = 0; i < chars - pad; ++i) out += kBase64[Next() % 64];
    out.append(pad, '=');
    return out;
  }

 private:
  uint64_t state_;
};

// The first 13 chars carry all 64 bits of Mix(seed) (13 * 5 = 65 bits).
std::string HashForSeed(uint64_t seed, Rng& rng) {
  uint64_t bits = Mix(seed);
  std::string out;
  for (int i = 0; i < 13; ++i) {
    out += kBase32[bits & 31];
    bits >>= 5;
  }
  return out + rng.Base32(19);
}

}  // namespace

NarInfo GenerateNarInfo(uint64_t seed, const NarInfoGeneratorOptions& options) {
  Rng rng(seed ^ 0x6e6172696e666fULL);
  NarInfo n;
  n.hash = HashForSeed(seed, rng);
  std::string name(kNames[rng.Next() % kNames.size()]);
  n.store_path = "/nix/store/" + n.hash + "-" + name;
  static constexpr std::array<std::string_view, 4> kCompressions = {"xz", "zstd", "bzip2", "none"};
  n.compression = std::string(kCompressions[rng.Chance(70) ? 0 : rng.Next() % 4]);
  std::string file_hash = rng.Base32(52);
  std::string ext = n.compression == "none" ? "" : n.compression == "bzip2" ? ".bz2" : "." + n.compression;
  n.url = "nar/" + file_hash + ".nar" + ext;
  n.nar_size = static_cast<int64_t>(rng.Next() % 200'000'000) + 120;
  if (rng.Chance(95)) {
    n.file_hash = "sha256:" + file_hash;
    n.file_size = n.nar_size / rng.Between(2, 6) + 1;
  }
  n.nar_hash = "sha256:" + rng.Base32(52);
  int refs = rng.Between(options.min_references, options.max_references);
  n.references.reserve(static_cast<size_t>(refs));
  bool self = rng.Chance(50);
  for (int i = 0; i < refs; ++i) {
    if (i == 0 && self) {
      n.references.push_back(n.hash + "-" + name);
    } else {
      n.references.push_back(rng.Base32(32) + "-" + std::string(kNames[rng.Next() % kNames.size()]));
    }
  }
  if (rng.Chance(85)) n.deriver = rng.Base32(32) + "-" + name + ".drv";
  if (rng.Chance(80)) n.system = std::string(kSystems[rng.Next() % kSystems.size()]);
  int sigs = rng.Between(options.min_signatures, options.max_signatures);
  for (int i = 0; i < sigs; ++i) {
    n.signatures.push_back(std::string(kSigners[static_cast<size_t>(i) % kSigners.size()]) + ":" +
                           rng.Base64(64));
  }
  if (rng.Chance(10)) n.ca = "fixed:r:sha256:" + rng.Base32(52);
  return n;
}

std::string GenerateNarInfoText(uint64_t seed, const NarInfoGeneratorOptions& options) {
  return RenderNarInfo(GenerateNarInfo(seed, options));
}

MalformedNarInfo GenerateMalformedNarInfo(uint64_t seed) {
  NarInfo n = GenerateNarInfo(seed);
  std::string text = RenderNarInfo(n);
  auto replace = [&text](std::string_view from, std::string_view to) {
    size_t at = text.find(from);
    if (at != std::string::npos) text.replace(at, from.size(), to);
  };
  switch (Mix(seed ^ 0xbadULL) % 6) {
    case 0:
      text += "Frobnicate: yes\n";
      return {text, "unknown key"};
    case 1:
      text += "URL: nar/duplicate.nar.xz\n";
      return {text, "duplicate key"};
    case 2:
      replace("NarSize: ", "NarSize: -");
      return {text, "bad number"};
    case 3: {
      size_t at = text.find("NarHash: ");
      text.erase(at, text.find('\n', at) - at + 1);
      return {text, "missing field"};
    }
    case 4:
      text += "this line has no colon\n";
      return {text, "line without Key: value"};
    default:
      replace("StorePath: /nix/store/", "StorePath: /nix/store/E");
      return {text, "bad store path"};
  }
}

std::string NarInfoObjectKey(std::string_view hash) {
  std::string h(hash);
  return "store/narinfo/" + h.substr(0, 1) + "/" + h.substr(0, 2) + "/" + h + ".narinfo";
}

}  // namespace ferry
