// ParseNarInfo / RenderNarInfo on hand-written, real-looking narinfos and on
// every error the format rules name (narinfo.h).
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "store/codecs/narinfo.h"

namespace ferry {
namespace {

constexpr char kKey[] = "store/narinfo/0/0c/0c2xbyfwnbp5p2aqkbh5z3zprvs6wy2b.narinfo";

// Shaped like cache.nixos.org's answer for hello.
constexpr char kHello[] =
    "StorePath: /nix/store/0c2xbyfwnbp5p2aqkbh5z3zprvs6wy2b-hello-2.12.1\n"
    "URL: nar/1w1fff338fvdw53sqgamddn1b2xgds473pv6y13gizdbqjv4i5p3.nar.xz\n"
    "Compression: xz\n"
    "FileHash: sha256:1w1fff338fvdw53sqgamddn1b2xgds473pv6y13gizdbqjv4i5p3\n"
    "FileSize: 50264\n"
    "NarHash: sha256:0pncc1ag8vlzsgzg1z2kjy6yh5aypak5sy0j0lrqjmgv6b6nsjgn\n"
    "NarSize: 226560\n"
    "References: 0c2xbyfwnbp5p2aqkbh5z3zprvs6wy2b-hello-2.12.1 "
    "9ss6b5j6v2b6i0ya8z7kijl7jcz2kdzr-glibc-2.38-27\n"
    "Deriver: 4r1ymlx2v4fw4ng5lw6r2yvgbd5kwjbr-hello-2.12.1.drv\n"
    "System: x86_64-linux\n"
    "Sig: cache.nixos.org-1:KY7wJ1n0E7QgRhyo8eU9zP0HOwUqXjkKbEZ3+Y0r0Vt2O6zH8S1kd4vZbV1n5yPZ3yHq"
    "ch1Qm7AqVfZ8rG3cAg==\n";

NarInfo MustParse(std::string_view key, std::string_view text) {
  Result<NarInfo> r = ParseNarInfo(key, text);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r.value() : NarInfo{};
}

// Expects InvalidArgument "<key>:<line>: ...<what>...".
void ExpectError(std::string_view text, int line, std::string_view what,
                 std::string_view key = kKey) {
  Result<NarInfo> r = ParseNarInfo(key, text);
  ASSERT_FALSE(r.ok()) << "parsed:\n" << text;
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  std::string prefix = std::string(key) + ":" + std::to_string(line) + ": ";
  EXPECT_EQ(r.status().message().rfind(prefix, 0), 0u)
      << "message: " << r.status().message() << "\nwanted prefix: " << prefix;
  EXPECT_NE(r.status().message().find(what), std::string::npos)
      << "message: " << r.status().message() << "\nwanted: " << what;
}

TEST(NarInfoParse, RealLookingHello) {
  NarInfo n = MustParse(kKey, kHello);
  EXPECT_EQ(n.hash, "0c2xbyfwnbp5p2aqkbh5z3zprvs6wy2b");
  EXPECT_EQ(n.store_path, "/nix/store/0c2xbyfwnbp5p2aqkbh5z3zprvs6wy2b-hello-2.12.1");
  EXPECT_EQ(n.url, "nar/1w1fff338fvdw53sqgamddn1b2xgds473pv6y13gizdbqjv4i5p3.nar.xz");
  EXPECT_EQ(n.compression, "xz");
  EXPECT_EQ(n.file_hash, "sha256:1w1fff338fvdw53sqgamddn1b2xgds473pv6y13gizdbqjv4i5p3");
  EXPECT_EQ(n.file_size, 50264);
  EXPECT_EQ(n.nar_hash, "sha256:0pncc1ag8vlzsgzg1z2kjy6yh5aypak5sy0j0lrqjmgv6b6nsjgn");
  EXPECT_EQ(n.nar_size, 226560);
  ASSERT_EQ(n.references.size(), 2u);
  EXPECT_EQ(n.references[1], "9ss6b5j6v2b6i0ya8z7kijl7jcz2kdzr-glibc-2.38-27");
  EXPECT_EQ(n.deriver, "4r1ymlx2v4fw4ng5lw6r2yvgbd5kwjbr-hello-2.12.1.drv");
  EXPECT_EQ(n.system, "x86_64-linux");
  ASSERT_EQ(n.signatures.size(), 1u);
  EXPECT_TRUE(n.signatures[0].starts_with("cache.nixos.org-1:KY7w"));
  EXPECT_FALSE(n.ca.has_value());
  // Rendering gives back the same text (Nix's field order).
  EXPECT_EQ(RenderNarInfo(n), kHello);
}

TEST(NarInfoParse, FixedOutputSourceWithCaNoDeriverNoReferences) {
  const char text[] =
      "StorePath: /nix/store/7xhgw2qqbw1gl2a7pb5bh0vgqk1yw4x1-source\n"
      "URL: nar/0m2wz3qb2gvv7kfjmc4r8dwq9k2mz1ffzvb0ja8qqyq8bjr3b3mh.nar.zst\n"
      "Compression: zstd\n"
      "NarHash: sha256:1b4mnxy3qiz5kkm1p8jj3qnlzvqxr8c1r1cn7vsfhk8cb0cxyfxd\n"
      "NarSize: 1523784\n"
      "References: \n"
      "Deriver: unknown-deriver\n"
      "Sig: cache.nixos.org-1:aaaa==\n"
      "Sig: ncps.example.com-1:bbbb==\n"
      "CA: fixed:r:sha256:1b4mnxy3qiz5kkm1p8jj3qnlzvqxr8c1r1cn7vsfhk8cb0cxyfxd\n";
  NarInfo n = MustParse("7xhgw2qqbw1gl2a7pb5bh0vgqk1yw4x1.narinfo", text);
  EXPECT_TRUE(n.references.empty());
  EXPECT_FALSE(n.deriver.has_value());   // unknown-deriver means none
  EXPECT_FALSE(n.file_hash.has_value());
  EXPECT_FALSE(n.file_size.has_value());
  EXPECT_FALSE(n.system.has_value());
  ASSERT_EQ(n.signatures.size(), 2u);
  EXPECT_EQ(n.signatures[1], "ncps.example.com-1:bbbb==");
  EXPECT_EQ(n.ca, "fixed:r:sha256:1b4mnxy3qiz5kkm1p8jj3qnlzvqxr8c1r1cn7vsfhk8cb0cxyfxd");
}

TEST(NarInfoParse, MissingCompressionMeansBzip2) {
  std::string text = kHello;
  text.erase(text.find("Compression: xz\n"), 16);
  EXPECT_EQ(MustParse(kKey, text).compression, "bzip2");
}

TEST(NarInfoParse, ReferencesWithoutTrailingSpaceAndDoubledSpaces) {
  std::string text = kHello;
  size_t at = text.find("References: ");
  text.replace(at, text.find('\n', at) - at,
               "References:  0c2xbyfwnbp5p2aqkbh5z3zprvs6wy2b-hello-2.12.1   "
               "9ss6b5j6v2b6i0ya8z7kijl7jcz2kdzr-glibc-2.38-27  ");
  EXPECT_EQ(MustParse(kKey, text).references.size(), 2u);
  text.replace(text.find("References:"), text.find('\n', text.find("References:")) -
                                              text.find("References:"),
               "References:");
  EXPECT_TRUE(MustParse(kKey, text).references.empty());
}

TEST(NarInfoParse, CrlfAndMissingFinalNewlineAndBlankLines) {
  std::string crlf;
  for (char c : std::string(kHello)) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  NarInfo a = MustParse(kKey, crlf);
  std::string no_final = kHello;
  no_final.pop_back();
  NarInfo b = MustParse(kKey, no_final);
  std::string blanks = std::string("\n") + kHello + "\n\n";
  NarInfo c = MustParse(kKey, blanks);
  NarInfo plain = MustParse(kKey, kHello);
  EXPECT_EQ(a, plain);
  EXPECT_EQ(b, plain);
  EXPECT_EQ(c, plain);
  EXPECT_EQ(a.signatures.back().back(), '=');  // no stray '\r'
}

TEST(NarInfoParse, KeyShapes) {
  // A key that is not <hash>.narinfo is not checked against the hash.
  EXPECT_TRUE(ParseNarInfo("whatever/hello.narinfo", kHello).ok());
  EXPECT_TRUE(ParseNarInfo("", kHello).ok());
  // A key that is, must match (line 1: StorePath).
  ExpectError(kHello, 1, "does not match the file name hash 9ss6b5j6v2b6i0ya8z7kijl7jcz2kdzr",
              "a/9ss6b5j6v2b6i0ya8z7kijl7jcz2kdzr.narinfo");
  EXPECT_EQ(HashFromObjectKey(kKey), "0c2xbyfwnbp5p2aqkbh5z3zprvs6wy2b");
  EXPECT_EQ(HashFromObjectKey("0c2xbyfwnbp5p2aqkbh5z3zprvs6wy2b.narinfo"),
            "0c2xbyfwnbp5p2aqkbh5z3zprvs6wy2b");
  EXPECT_FALSE(HashFromObjectKey("x/0c2xbyfwnbp5p2aqkbh5z3zprvs6wy2e.narinfo"));  // 'e'
  EXPECT_FALSE(HashFromObjectKey("x/0c2xbyfwnbp5p2aqkbh5z3zprvs6wy2b.nar"));
}

TEST(NarInfoParse, IsNixHash) {
  EXPECT_TRUE(IsNixHash("0c2xbyfwnbp5p2aqkbh5z3zprvs6wy2b"));
  EXPECT_FALSE(IsNixHash("0c2xbyfwnbp5p2aqkbh5z3zprvs6wy2"));
  for (char bad : {'e', 'o', 't', 'u', 'A', '-', ' '}) {
    std::string h = "0c2xbyfwnbp5p2aqkbh5z3zprvs6wy2b";
    h[5] = bad;
    EXPECT_FALSE(IsNixHash(h)) << bad;
  }
}

// Replaces the first line starting with `prefix` by `line` (or removes it).
std::string WithLine(std::string_view prefix, std::string_view line) {
  std::string text = kHello;
  size_t at = text.find(prefix);
  size_t end = text.find('\n', at) + 1;
  text.replace(at, end - at, line.empty() ? std::string() : std::string(line) + "\n");
  return text;
}

TEST(NarInfoParseErrors, UnknownKey) {
  ExpectError(WithLine("System:", "Sytsem: x86_64-linux"), 10, "unknown key \"Sytsem\"");
  ExpectError(std::string(kHello) + "storepath: x\n", 12, "unknown key \"storepath\"");
}

TEST(NarInfoParseErrors, DuplicateKey) {
  ExpectError(std::string(kHello) + "URL: nar/x.nar\n", 12, "duplicate key \"URL\" (first on line 2)");
  ExpectError(std::string(kHello) + "Compression: xz\n", 12, "duplicate key \"Compression\"");
  ExpectError(std::string(kHello) + "References: \n", 12, "duplicate key \"References\"");
  // Sig repeats by design.
  EXPECT_EQ(MustParse(kKey, std::string(kHello) + "Sig: other-1:AAAA\n").signatures.size(), 2u);
}

TEST(NarInfoParseErrors, BadNumbers) {
  ExpectError(WithLine("FileSize:", "FileSize: 12a"), 5, "FileSize \"12a\" is not a non-negative integer");
  ExpectError(WithLine("FileSize:", "FileSize: -1"), 5, "FileSize");
  ExpectError(WithLine("NarSize:", "NarSize: +5"), 7, "NarSize");
  ExpectError(WithLine("NarSize:", "NarSize: 1.5"), 7, "NarSize");
  ExpectError(WithLine("NarSize:", "NarSize: 99999999999999999999"), 7, "NarSize");
  ExpectError(WithLine("NarSize:", "NarSize: 0x10"), 7, "NarSize");
  EXPECT_EQ(MustParse(kKey, WithLine("NarSize:", "NarSize: 9223372036854775807")).nar_size,
            INT64_MAX);
  EXPECT_EQ(MustParse(kKey, WithLine("NarSize:", "NarSize: 0")).nar_size, 0);
}

TEST(NarInfoParseErrors, MissingRequiredField) {
  // Reported at the last line of the file.
  ExpectError(WithLine("StorePath:", ""), 10, "missing required field \"StorePath\"");
  ExpectError(WithLine("URL:", ""), 10, "missing required field \"URL\"");
  ExpectError(WithLine("NarHash:", ""), 10, "missing required field \"NarHash\"");
  ExpectError(WithLine("NarSize:", ""), 10, "missing required field \"NarSize\"");
  ExpectError("", 1, "missing required field \"StorePath\"");
  ExpectError("\n\n\n", 3, "missing required field");
}

TEST(NarInfoParseErrors, LineWithoutKeyValue) {
  ExpectError(WithLine("System:", "just some words"), 10, "expected \"Key: value\"");
  ExpectError(WithLine("System:", ": value"), 10, "expected \"Key: value\"");
  ExpectError(WithLine("System:", "Some Key: value"), 10, "expected \"Key: value\"");
  ExpectError(std::string("garbage\n") + kHello, 1, "got \"garbage\"");
}

TEST(NarInfoParseErrors, EmptyValueAndBadPaths) {
  ExpectError(WithLine("URL:", "URL:"), 2, "empty value for \"URL\"");
  ExpectError(WithLine("Sig:", "Sig: "), 11, "empty value for \"Sig\"");
  ExpectError(WithLine("StorePath:", "StorePath: hello"), 1, "StorePath \"hello\"");
  ExpectError(WithLine("StorePath:", "StorePath: /nix/store/short-hello"), 1, "StorePath");
  ExpectError(WithLine("StorePath:", "StorePath: /nix/store/0c2xbyfwnbp5p2aqkbh5z3zprvs6wy2b"), 1,
              "StorePath");
  ExpectError(WithLine("References:", "References: 0c2xbyfwnbp5p2aqkbh5z3zprvs6wy2b-hello-2.12.1 glibc"),
              8, "reference \"glibc\"");
}

TEST(NarInfoParseErrors, ErrorOnCrlfFileCountsLinesTheSame) {
  std::string crlf;
  for (char c : WithLine("System:", "Sytsem: x")) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  ExpectError(crlf, 10, "unknown key \"Sytsem\"");
}

// 200 KB on one References line: must parse, and quickly (linear time).
TEST(NarInfoParse, HugeReferencesLine) {
  std::string refs;
  int count = 0;
  std::string text;
  while (refs.size() < 200 * 1024) {
    char hash[33];
    std::snprintf(hash, sizeof hash, "%032d", count);
    refs += (count ? " " : "") + std::string(hash) + "-some-long-package-name-" + std::to_string(count);
    ++count;
  }
  text = WithLine("References:", "References: " + refs);
  ASSERT_GT(count, 3000);
  ASSERT_GT(text.size(), 200u * 1024);
  auto start = std::chrono::steady_clock::now();
  NarInfo n;
  for (int i = 0; i < 10; ++i) n = MustParse(kKey, text);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() / 10;
  EXPECT_EQ(n.references.size(), static_cast<size_t>(count));
  EXPECT_EQ(n.references.back(), n.references.back().substr(0, 32) + "-some-long-package-name-" +
                                     std::to_string(count - 1));
  // About 1 ms on this machine; a quadratic parser takes seconds.
  EXPECT_LT(ms, 100.0) << "one 200 KB parse took " << ms << " ms";
  std::string rendered = RenderNarInfo(n);
  EXPECT_EQ(MustParse(kKey, rendered), n);
  std::printf("200 KB narinfo with %d references: %.2f ms per parse\n", count, ms);
}

}  // namespace
}  // namespace ferry
