// The one table of built-in codecs. A new format: its <name>_codec.cc
// (picked up by CMakeLists.txt's glob), one declaration and one table line here.
#include <memory>
#include <string>

#include "store/codecs/codec.h"

namespace ferry {

// Each defined in its <name>_codec.cc.
std::unique_ptr<Codec> NewNarInfoCodec();

namespace {

struct CodecEntry {
  const char* name;
  std::unique_ptr<Codec> (*make)();
};

const CodecEntry kCodecs[] = {
    {"narinfo", NewNarInfoCodec},
};

}  // namespace

Result<std::unique_ptr<Codec>> MakeCodec(std::string_view name) {
  for (const CodecEntry& e : kCodecs) {
    if (name == e.name) return e.make();
  }
  std::string known;
  for (const CodecEntry& e : kCodecs) {
    if (!known.empty()) known += ", ";
    known += e.name;
  }
  return NotFound("unknown format \"" + std::string(name) + "\" (known: " + known + ")");
}

std::vector<std::string> CodecNames() {
  std::vector<std::string> out;
  for (const CodecEntry& e : kCodecs) out.emplace_back(e.name);
  return out;
}

}  // namespace ferry
