// Read-ahead for a file nobody changes while it is read (a restore's
// private copy of a SQLite database, an extraction's output).
//
// SQLite reads a database one page (4 KiB) per read(2). A restore reads
// its 684 MB copy three times over (the load, quick_check, the row count):
// half a million system calls, the largest share of its kernel time.
// Reads that go forward (a backup's page order, a b-tree built by appends)
// or backward (quick_check's) are served from one larger read into a
// window instead; a read elsewhere (an interior page far off, a random
// lookup) is read alone, so a random access pattern never pays for a
// window per page.
//
// Correct only for bytes that do not change while the window is kept: it
// knows nothing of anyone else's writes (its owner Drops what it writes
// itself). Header-only.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

namespace ferry {

class ReadAheadWindow {
 public:
  static constexpr int64_t kDefaultBytes = 256 << 10;  // 64 pages of 4 KiB

  explicit ReadAheadWindow(int64_t bytes = kDefaultBytes) : buf_(static_cast<size_t>(bytes)) {}

  int64_t capacity() const { return static_cast<int64_t>(buf_.size()); }

  // Copies [off, off + n) into `out` when the window holds all of it.
  bool Serve(void* out, int64_t n, int64_t off) {
    if (off < start_ || off + n > start_ + len_) return false;
    std::memcpy(out, buf_.data() + (off - start_), static_cast<size_t>(n));
    Note(off, n);
    return true;
  }

  // Where a window worth filling for a read of [off, off + n) the window
  // did not serve would start, or -1 (read it alone). Forward: the read
  // starts at or up to a window's length past where the previous one
  // ended; the window starts at it. Backward: it ends at or up to a
  // window's length before where the previous one began (an integrity
  // check visits a page's children last to first); the window ends at it.
  int64_t WindowStart(int64_t off, int64_t n) const {
    if (last_end_ < 0) return -1;
    const int64_t cap = capacity();
    if (off >= last_end_ && off < last_end_ + cap) return off;
    if (off + n <= last_off_ && off + n > last_off_ - cap) return std::max<int64_t>(0, off + n - cap);
    return -1;
  }

  // Fills the window with [start, available) (at most its size) through
  // `read(buf, len, at)`, which returns whether it read all `len`; then
  // serves [off, off + n). False (window emptied) when the read fails or
  // the window would not hold the request: read it alone then.
  template <typename ReadFn>
  bool Fill(void* out, int64_t n, int64_t off, int64_t start, int64_t available, ReadFn&& read) {
    const int64_t len = std::min(capacity(), available - start);
    start_ = start;
    len_ = 0;
    if (start > off || start + len < off + n || !read(buf_.data(), len, start)) return false;
    len_ = len;
    return Serve(out, n, off);
  }

  // A read served elsewhere (alone) still counts for WindowStart.
  void Note(int64_t off, int64_t n) {
    last_off_ = off;
    last_end_ = off + n;
  }

  // Forgets the window if it holds any of [off, off + n) (about to change).
  void Drop(int64_t off, int64_t n) {
    if (len_ > 0 && off < start_ + len_ && off + n > start_) len_ = 0;
  }

 private:
  std::vector<char> buf_;
  int64_t start_ = 0, len_ = 0;
  int64_t last_off_ = -1, last_end_ = -1;  // the previous read
};

}  // namespace ferry
