// ReadAheadWindow: forward reads come from one larger read, others alone.
#include "jobs/backup/read_ahead.h"

#include <gtest/gtest.h>

#include <string>

namespace ferry {
namespace {

// A "file" of `size` bytes whose byte i is i % 251, counting its reads.
struct FakeFile {
  int64_t size;
  int reads = 0;
  std::string Expect(int64_t off, int64_t n) const {
    std::string s;
    for (int64_t i = off; i < off + n; ++i) s += static_cast<char>(i % 251);
    return s;
  }
  bool Read(char* buf, int64_t len, int64_t at) {
    ++reads;
    if (at + len > size) return false;
    for (int64_t i = 0; i < len; ++i) buf[i] = static_cast<char>((at + i) % 251);
    return true;
  }
};

// Reads a page the way the VFSes do: window, else fill one, else alone.
std::string ReadPage(ReadAheadWindow& w, FakeFile& f, int64_t off, int64_t n) {
  std::string out(static_cast<size_t>(n), '\0');
  if (w.Serve(out.data(), n, off)) return out;
  const int64_t start = w.WindowStart(off, n);
  if (start >= 0 && w.Fill(out.data(), n, off, start, f.size,
                           [&](char* b, int64_t l, int64_t a) { return f.Read(b, l, a); }))
    return out;
  w.Note(off, n);
  EXPECT_TRUE(f.Read(out.data(), n, off));
  return out;
}

TEST(ReadAheadWindowTest, SequentialPagesTakeOneReadPerWindow) {
  FakeFile f{1 << 20};
  ReadAheadWindow w(64 << 10);
  for (int64_t off = 0; off < f.size; off += 4096)
    ASSERT_EQ(ReadPage(w, f, off, 4096), f.Expect(off, 4096)) << off;
  // The first page alone, then one read per 64 KiB window.
  EXPECT_LE(f.reads, 1 + (1 << 20) / (64 << 10) + 1);
}

TEST(ReadAheadWindowTest, SmallGapsForwardStillUseTheWindow) {
  // A WAL checkpoint's reads: pages 24 bytes apart (the frame headers).
  FakeFile f{1 << 20};
  ReadAheadWindow w(64 << 10);
  int pages = 0;
  for (int64_t off = 32 + 24; off + 4096 <= f.size; off += 4096 + 24, ++pages)
    ASSERT_EQ(ReadPage(w, f, off, 4096), f.Expect(off, 4096)) << off;
  EXPECT_LT(f.reads, pages / 8);
}

TEST(ReadAheadWindowTest, BackwardPagesUseAWindowEndingAtThem) {
  // quick_check visits a page's children last to first.
  FakeFile f{1 << 20};
  ReadAheadWindow w(64 << 10);
  for (int64_t off = f.size - 4096; off >= 0; off -= 4096)
    ASSERT_EQ(ReadPage(w, f, off, 4096), f.Expect(off, 4096)) << off;
  EXPECT_LE(f.reads, 1 + (1 << 20) / (64 << 10) + 1);
}

TEST(ReadAheadWindowTest, RandomReadsAreReadAlone) {
  FakeFile f{4 << 20};
  ReadAheadWindow w(64 << 10);
  // Far apart, either way: never a window.
  int n = 0;
  for (int64_t off = f.size - 4096; off >= 0; off -= 409600, ++n)
    ASSERT_EQ(ReadPage(w, f, off, 4096), f.Expect(off, 4096)) << off;
  for (int64_t off = 0; off + 4096 <= f.size; off += 409600, ++n)
    ASSERT_EQ(ReadPage(w, f, off, 4096), f.Expect(off, 4096)) << off;
  EXPECT_EQ(f.reads, n);
}

TEST(ReadAheadWindowTest, AWindowStopsAtWhatIsAvailable) {
  FakeFile f{10000};
  ReadAheadWindow w(64 << 10);
  std::string out(4096, '\0');
  w.Note(0, 4096);
  EXPECT_EQ(w.WindowStart(4096, 4096), 4096);
  // Only 6000 bytes may be read: the window holds [4096, 6000), too little
  // for a page: not served, read alone.
  EXPECT_FALSE(w.Fill(out.data(), 4096, 4096, 4096, 6000, [&](char* b, int64_t l, int64_t a) { return f.Read(b, l, a); }));
  EXPECT_FALSE(w.Serve(out.data(), 100, 4096));
  // Enough for the page, not a whole window: served, and only that read.
  ASSERT_TRUE(w.Fill(out.data(), 4096, 4096, 4096, 9000, [&](char* b, int64_t l, int64_t a) { return f.Read(b, l, a); }));
  EXPECT_EQ(out, f.Expect(4096, 4096));
  EXPECT_FALSE(w.Serve(out.data(), 4096, 8192));  // past 9000
}

TEST(ReadAheadWindowTest, AFailedFillServesNothingAndDropForgets) {
  FakeFile f{1 << 20};
  ReadAheadWindow w(64 << 10);
  std::string out(4096, '\0');
  w.Note(0, 4096);
  EXPECT_FALSE(w.Fill(out.data(), 4096, 4096, 4096, f.size, [](char*, int64_t, int64_t) { return false; }));
  EXPECT_FALSE(w.Serve(out.data(), 4096, 4096));
  ASSERT_TRUE(w.Fill(out.data(), 4096, 4096, 4096, f.size, [&](char* b, int64_t l, int64_t a) { return f.Read(b, l, a); }));
  EXPECT_TRUE(w.Serve(out.data(), 4096, 8192));
  w.Drop(10000, 10);  // a write inside the window
  EXPECT_FALSE(w.Serve(out.data(), 4096, 8192));
}

}  // namespace
}  // namespace ferry
