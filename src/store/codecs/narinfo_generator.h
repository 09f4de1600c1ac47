// Deterministic narinfo generator for tests and the ingest benchmark.
//
// GenerateNarInfo(seed) is a pure function of the seed: the same seed gives
// the same narinfo on every machine. Distinct seeds give distinct hashes (the
// first 13 hash characters encode a bijective mix of the seed), so a tree of
// seeds 0..N-1 has N distinct objects. Fields look like cache.nixos.org's:
// xz/zstd/bzip2/none compression, sha256 hashes in nix-base32, 1-20
// references (often including the path itself), 1-3 signatures, a deriver
// most of the time, sometimes a CA field.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "store/codecs/narinfo.h"

namespace ferry {

struct NarInfoGeneratorOptions {
  int min_references = 1;
  int max_references = 20;
  int min_signatures = 1;
  int max_signatures = 3;
};

NarInfo GenerateNarInfo(uint64_t seed, const NarInfoGeneratorOptions& options = {});
std::string GenerateNarInfoText(uint64_t seed, const NarInfoGeneratorOptions& options = {});

// A narinfo with one defect that ParseNarInfo must reject (unknown key,
// duplicate key, bad number, missing field, line without a colon, ...).
// `defect` names it, for test messages and benchmark reports.
struct MalformedNarInfo {
  std::string text;
  std::string defect;
};
MalformedNarInfo GenerateMalformedNarInfo(uint64_t seed);

// Where a Nix cache (ncps) keeps a narinfo: "store/narinfo/<h0>/<h0h1>/<hash>.narinfo".
std::string NarInfoObjectKey(std::string_view hash);

}  // namespace ferry
