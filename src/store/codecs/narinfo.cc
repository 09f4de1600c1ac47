#include "store/codecs/narinfo.h"

#include <algorithm>
#include <array>
#include <charconv>

namespace ferry {
namespace {

constexpr size_t kHashLen = 32;

enum class Field {
  kStorePath, kUrl, kCompression, kFileHash, kFileSize, kNarHash,
  kNarSize, kReferences, kDeriver, kSystem, kSig, kCa, kCount
};

struct FieldName {
  std::string_view name;
  Field field;
};

constexpr FieldName kFields[] = {
    {"StorePath", Field::kStorePath}, {"URL", Field::kUrl},
    {"Compression", Field::kCompression}, {"FileHash", Field::kFileHash},
    {"FileSize", Field::kFileSize}, {"NarHash", Field::kNarHash},
    {"NarSize", Field::kNarSize}, {"References", Field::kReferences},
    {"Deriver", Field::kDeriver}, {"System", Field::kSystem},
    {"Sig", Field::kSig}, {"CA", Field::kCa},
};

std::optional<Field> LookupField(std::string_view key) {
  for (const FieldName& f : kFields) {
    if (f.name == key) return f.field;
  }
  return std::nullopt;
}

// Nix's base32 alphabet: 0-9 and a-z without e, o, t, u. A table, because
// every reference of every narinfo is checked (tens of characters each).
struct NixBase32Table {
  bool ok[256] = {};
  constexpr NixBase32Table() {
    for (char c : std::string_view("0123456789abcdfghijklmnpqrsvwxyz")) {
      ok[static_cast<unsigned char>(c)] = true;
    }
  }
};
constexpr NixBase32Table kNixBase32;

bool IsNixBase32Char(char c) { return kNixBase32.ok[static_cast<unsigned char>(c)]; }

// "<hash>-<name>" with a non-empty name.
bool IsStoreBasename(std::string_view s) {
  return s.size() > kHashLen + 1 && s[kHashLen] == '-' && IsNixHash(s.substr(0, kHashLen));
}

std::optional<int64_t> ParseSize(std::string_view s) {
  if (s.empty() || s[0] == '+' || s[0] == '-') return std::nullopt;
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

// Shows a value in an error message without flooding it.
std::string Excerpt(std::string_view s) {
  constexpr size_t kMax = 80;
  if (s.size() <= kMax) return std::string(s);
  return std::string(s.substr(0, kMax)) + "...";
}

class Parser {
 public:
  explicit Parser(std::string_view key) : key_(key) {}

  Status Error(size_t line, const std::string& what) const {
    return InvalidArgument(std::string(key_) + ":" + std::to_string(line) + ": " + what);
  }

  std::string_view key_;
};

}  // namespace

bool IsNixHash(std::string_view s) {
  if (s.size() != kHashLen) return false;
  for (char c : s) {
    if (!IsNixBase32Char(c)) return false;
  }
  return true;
}

std::optional<std::string_view> HashFromObjectKey(std::string_view object_key) {
  constexpr std::string_view kSuffix = ".narinfo";
  size_t slash = object_key.find_last_of('/');
  std::string_view base = slash == std::string_view::npos ? object_key : object_key.substr(slash + 1);
  if (base.size() != kHashLen + kSuffix.size() || base.substr(kHashLen) != kSuffix) {
    return std::nullopt;
  }
  std::string_view hash = base.substr(0, kHashLen);
  if (!IsNixHash(hash)) return std::nullopt;
  return hash;
}

Result<NarInfo> ParseNarInfo(std::string_view object_key, std::string_view text) {
  Parser p(object_key);
  NarInfo info;
  std::array<size_t, static_cast<size_t>(Field::kCount)> seen_at{};  // line, 0 = unseen
  size_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view line = text.substr(pos, end - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    // Trailing spaces and the CR of CRLF.
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.remove_suffix(1);
    }
    if (line.empty()) continue;

    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return p.Error(line_no, "expected \"Key: value\", got \"" + Excerpt(line) + "\"");
    }
    std::string_view key = line.substr(0, colon);
    std::string_view value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    std::optional<Field> field = LookupField(key);
    if (!field) {
      if (key.find(' ') != std::string_view::npos) {
        return p.Error(line_no, "expected \"Key: value\", got \"" + Excerpt(line) + "\"");
      }
      return p.Error(line_no, "unknown key \"" + Excerpt(key) + "\"");
    }
    size_t& seen = seen_at[static_cast<size_t>(*field)];
    if (seen != 0 && *field != Field::kSig) {
      return p.Error(line_no, "duplicate key \"" + std::string(key) + "\" (first on line " +
                                  std::to_string(seen) + ")");
    }
    seen = line_no;
    if (value.empty() && *field != Field::kReferences) {
      return p.Error(line_no, "empty value for \"" + std::string(key) + "\"");
    }

    switch (*field) {
      case Field::kStorePath: {
        size_t slash = value.find_last_of('/');
        if (value.front() != '/' || slash == std::string_view::npos ||
            !IsStoreBasename(value.substr(slash + 1))) {
          return p.Error(line_no, "StorePath \"" + Excerpt(value) +
                                      "\" is not <store dir>/<32-char nix-base32 hash>-<name>");
        }
        info.store_path = std::string(value);
        info.hash = std::string(value.substr(slash + 1, kHashLen));
        break;
      }
      case Field::kUrl: info.url = std::string(value); break;
      case Field::kCompression: info.compression = std::string(value); break;
      case Field::kFileHash: info.file_hash = std::string(value); break;
      case Field::kNarHash: info.nar_hash = std::string(value); break;
      case Field::kSystem: info.system = std::string(value); break;
      case Field::kCa: info.ca = std::string(value); break;
      case Field::kSig: info.signatures.emplace_back(value); break;
      case Field::kDeriver:
        if (value != "unknown-deriver") info.deriver = std::string(value);
        break;
      case Field::kFileSize:
      case Field::kNarSize: {
        std::optional<int64_t> n = ParseSize(value);
        if (!n) {
          return p.Error(line_no, std::string(key) + " \"" + Excerpt(value) +
                                      "\" is not a non-negative integer");
        }
        if (*field == Field::kFileSize) {
          info.file_size = *n;
        } else {
          info.nar_size = *n;
        }
        break;
      }
      case Field::kReferences: {
        // One allocation for the list instead of log2(n) regrowths.
        info.references.reserve(static_cast<size_t>(std::count(value.begin(), value.end(), ' ')) + 1);
        size_t start = 0;
        while (start < value.size()) {
          size_t sp = value.find(' ', start);
          size_t stop = sp == std::string_view::npos ? value.size() : sp;
          std::string_view ref = value.substr(start, stop - start);
          start = stop + 1;
          if (ref.empty()) continue;  // doubled space
          if (!IsStoreBasename(ref)) {
            return p.Error(line_no, "reference \"" + Excerpt(ref) +
                                        "\" is not <32-char nix-base32 hash>-<name>");
          }
          info.references.emplace_back(ref);
        }
        break;
      }
      case Field::kCount: break;
    }
  }

  size_t last_line = line_no == 0 ? 1 : line_no;
  for (Field required : {Field::kStorePath, Field::kUrl, Field::kNarHash, Field::kNarSize}) {
    if (seen_at[static_cast<size_t>(required)] == 0) {
      std::string_view name;
      for (const FieldName& f : kFields) {
        if (f.field == required) name = f.name;
      }
      return p.Error(last_line, "missing required field \"" + std::string(name) + "\"");
    }
  }
  if (std::optional<std::string_view> named = HashFromObjectKey(object_key)) {
    if (*named != info.hash) {
      return p.Error(seen_at[static_cast<size_t>(Field::kStorePath)],
                     "StorePath hash " + info.hash + " does not match the file name hash " +
                         std::string(*named));
    }
  }
  return info;
}

std::string RenderNarInfo(const NarInfo& info) {
  size_t size = 256 + info.store_path.size() + info.url.size();
  for (const std::string& r : info.references) size += r.size() + 1;
  for (const std::string& s : info.signatures) size += s.size() + 6;
  std::string out;
  out.reserve(size);
  auto line = [&out](std::string_view key, std::string_view value) {
    out.append(key).append(": ").append(value).push_back('\n');
  };
  line("StorePath", info.store_path);
  line("URL", info.url);
  line("Compression", info.compression);
  if (info.file_hash) line("FileHash", *info.file_hash);
  if (info.file_size) line("FileSize", std::to_string(*info.file_size));
  line("NarHash", info.nar_hash);
  line("NarSize", std::to_string(info.nar_size));
  out.append("References:");
  for (const std::string& r : info.references) out.append(" ").append(r);
  out.push_back('\n');
  if (info.deriver) line("Deriver", *info.deriver);
  if (info.system) line("System", *info.system);
  for (const std::string& s : info.signatures) line("Sig", s);
  if (info.ca) line("CA", *info.ca);
  return out;
}

}  // namespace ferry
