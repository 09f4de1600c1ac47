// NarInfo: the Nix binary cache's `.narinfo` text format, parsed and rendered.
//
// A narinfo is a list of `Key: value` lines describing one store path:
//
//   StorePath: /nix/store/0c2xb...-hello-2.12.1
//   URL: nar/1w1fff....nar.xz
//   Compression: xz
//   FileHash: sha256:1w1fff...
//   FileSize: 50264
//   NarHash: sha256:0pnc...
//   NarSize: 226560
//   References: 0c2xb...-hello-2.12.1 9ss6...-glibc-2.38-27
//   Deriver: 4r1y...-hello-2.12.1.drv
//   System: x86_64-linux
//   Sig: cache.nixos.org-1:KY7w...==
//   CA: fixed:r:sha256:...
//
// Parsing rules (stricter than Nix itself, which ignores unknown keys: for a
// migration an unexpected line means we would silently drop data):
// - Lines end in LF or CRLF; the last line may lack its newline. Blank lines
//   are skipped. Every other line is `Key: value` (the space after the colon
//   is optional; trailing spaces are dropped).
// - Keys are the twelve above, case-sensitive; each at most once except Sig.
// - Required: StorePath, URL, NarHash, NarSize. Compression defaults to
//   "bzip2" when absent. Deriver "unknown-deriver" means none.
// - FileSize and NarSize are non-negative integers that fit in int64.
// - StorePath is absolute and its last component is <hash>-<name> with a
//   32-char nix-base32 hash; References are such basenames, space separated,
//   possibly none.
// - Only References may have an empty value.
// - If the object key's file name has the shape <32 chars>.narinfo, those 32
//   chars must equal the StorePath hash; a mismatch is an error (the file is
//   misplaced or corrupt, and keying the row by either value would make the
//   read-through lookup or the delete step act on the wrong object).
// Errors are InvalidArgument "<object_key>:<line>: <what>"; a missing field is
// reported at the last line.
//
// Time and memory are linear in the input (a 200 KB narinfo with thousands of
// references on one line is fine).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/status.h"

namespace ferry {

struct NarInfo {
  std::string hash;        // the 32-char nix-base32 hash part of store_path
  std::string store_path;  // /nix/store/<hash>-<name>
  std::string url;
  std::string compression = "bzip2";
  std::optional<std::string> file_hash;
  std::optional<int64_t> file_size;
  std::string nar_hash;
  int64_t nar_size = 0;
  std::vector<std::string> references;  // basenames, in file order
  std::optional<std::string> deriver;   // nullopt for none / "unknown-deriver"
  std::optional<std::string> system;
  std::vector<std::string> signatures;  // Sig lines, in file order
  std::optional<std::string> ca;

  bool operator==(const NarInfo&) const = default;
};

Result<NarInfo> ParseNarInfo(std::string_view object_key, std::string_view text);

// Renders in Nix's field order with LF line endings. Optional fields that are
// absent are left out. ParseNarInfo(k, RenderNarInfo(n)) == n for any n that
// parses.
std::string RenderNarInfo(const NarInfo& info);

// True for a 32-char string over Nix's base-32 alphabet
// (0-9 a-z without e, o, t, u).
bool IsNixHash(std::string_view s);

// The hash a key names: "a/b/<hash>.narinfo" -> "<hash>"; nullopt when the
// key's file name does not have that shape.
std::optional<std::string_view> HashFromObjectKey(std::string_view object_key);

}  // namespace ferry
