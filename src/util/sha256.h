// SHA-256 through OpenSSL's EVP interface (the low-level SHA256_* calls are
// deprecated in OpenSSL 3). Incremental, so large files stream through.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace ferry {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view data);
  // Lower-case hex digest; the object must not be updated afterwards.
  std::string HexDigest();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string Sha256Hex(std::string_view data);

}  // namespace ferry
